import { availableParallelism } from 'node:os';

// The libuv pool runs the argon2 hashes; size it to the cores before anything uses it
// (imports are hoisted, so the service itself is loaded dynamically below).
process.env.UV_THREADPOOL_SIZE ??= String(Math.max(4, availableParallelism()));

const { start } = await import('./server.js');
await start();

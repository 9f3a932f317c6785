import { availableParallelism } from 'node:os';

// The libuv pool runs the argon2 hashes; size it before anything uses it (imports are
// hoisted, so the service itself is loaded dynamically below): one thread per core for the
// argon2id queue, one for the legacy hash queue (LEGACY_HASH_MAX_CONCURRENCY, default 1)
// and one for the rest (fs, DNS), so a legacy verify never holds a thread a login waits for.
process.env.UV_THREADPOOL_SIZE ??= String(Math.max(4, availableParallelism() + 2));

const { start } = await import('./server.js');
await start();

// The physical limit for logins: argon2id verifies per second on every core, at the configured cost.
import { availableParallelism } from 'node:os';
import { Algorithm, hash, verify } from '@node-rs/argon2';

const cores = availableParallelism();
const options = {
  algorithm: Algorithm.Argon2id,
  memoryCost: Number(process.env.ARGON2_MEMORY_KIB ?? 32768),
  timeCost: Number(process.env.ARGON2_TIME_COST ?? 2),
  parallelism: Number(process.env.ARGON2_PARALLELISM ?? 1),
};
const seconds = Number(process.env.SECONDS ?? 5);
const stored = await hash('Bench-Passw0rd', options);
let done = 0;
const until = Date.now() + seconds * 1000;
const single = Date.now();
await verify(stored, 'Bench-Passw0rd');
const oneMs = Date.now() - single;
async function lane(): Promise<void> {
  while (Date.now() < until) {
    await verify(stored, 'Bench-Passw0rd');
    done += 1;
  }
}
const started = Date.now();
await Promise.all(Array.from({ length: cores * 2 }, lane));
const perSecond = done / ((Date.now() - started) / 1000);
process.stdout.write(
  JSON.stringify({ cores, options, verifies_per_second: perSecond, single_verify_ms: oneMs }) + '\n',
);

/** The first restart waits this long; each further crash of a young worker doubles it. */
const FIRST_DELAY_MS = 500;
/** No restart waits longer than this. */
const MAX_DELAY_MS = 30_000;

/**
 * How long to wait before replacing a worker, given how many workers in a row died young
 * (1 for the first): 0.5 s, 1 s, 2 s … up to 30 s, so a worker that cannot start (its
 * database gone, a port taken) does not spin the CPU, and a lone crash is replaced at once.
 */
export function restartDelayMs(crashesInARow: number): number {
  const n = Math.max(1, Math.floor(crashesInARow));
  return Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.min(n - 1, 16));
}

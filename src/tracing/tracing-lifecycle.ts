/**
 * The one link between the tracing bootstrap and the service: register.ts leaves the SDK's
 * shutdown here, and the graceful stop (src/server.ts) awaits it so the last spans are
 * exported before the process exits. Without tracing there is nothing to wait for.
 */
let shutdown: (() => Promise<void>) | undefined;

export function setTracingShutdown(fn: () => Promise<void>): void {
  shutdown = fn;
}

/** Flushes and stops the SDK when tracing is on; never throws (a collector that is down must not fail the stop). */
export async function shutdownTracing(): Promise<void> {
  await shutdown?.().catch((error: unknown) => {
    process.stderr.write(`tracing shutdown failed: ${String(error)}\n`);
  });
}

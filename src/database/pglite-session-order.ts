import type { PGlite } from '@electric-sql/pglite';
import type { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/** One protocol message a connection handed to the socket server's queue. */
interface QueuedMessage {
  handlerId: number;
  message: Uint8Array;
  resolve(bytes: number): void;
  reject(error: unknown): void;
  onData(data: Uint8Array): void;
}

/** The parts of @electric-sql/pglite-socket's (unexported) query queue this module replaces. */
interface QueryQueue {
  queue: QueuedMessage[];
  processing: boolean;
  lastHandlerId: number | null;
  processQueue(): Promise<void>;
  clearQueueForHandler(handlerId: number): void;
}

/**
 * Frontend messages of the extended query protocol that leave a sequence open until the
 * connection's Sync: Parse, Bind, Describe, Execute, Close, Flush. The unnamed statement and
 * portal they create live in PGlite's one backend session, so no other connection may run
 * between them.
 */
const OPENS_SEQUENCE = new Set(['P', 'B', 'D', 'E', 'C', 'H'].map((c) => c.charCodeAt(0)));

/**
 * PGlite is one PostgreSQL backend; `@electric-sql/pglite-socket` (0.2.17) lets several TCP
 * connections share it through a queue of single protocol messages, keeping a connection's
 * turn only while a transaction block is open. `pg` sends every query as
 * Parse/Bind/Describe/Execute/Sync, so with more than one connection the messages of two
 * queries interleave: one connection binds the other's unnamed statement (wrong rows to the
 * wrong caller, "unnamed prepared statement does not exist"), and the queue stops for good
 * after the first failed message. This keeps a connection's turn from its first message
 * to its Sync (and through any transaction block, as before), and keeps the queue running
 * after a failure. See docs/decisions.md ("Embedded database under concurrent requests").
 */
export function keepSessionOrder(server: PGLiteSocketServer, db: PGlite): void {
  const queue = (server as unknown as { queryQueue: QueryQueue }).queryQueue;
  let openSequence: number | null = null;

  const next = (): QueuedMessage | undefined => {
    const owner = openSequence ?? (db.isInTransaction() ? queue.lastHandlerId : null);
    if (owner === null) return queue.queue.shift();
    const index = queue.queue.findIndex((item) => item.handlerId === owner);
    // The owner's next message has not arrived yet: wait for it (enqueue restarts us).
    return index === -1 ? undefined : queue.queue.splice(index, 1)[0];
  };

  queue.processQueue = async function processQueue(this: QueryQueue): Promise<void> {
    if (this.processing) return;
    this.processing = true;
    try {
      for (let item = next(); item !== undefined; item = next()) {
        const current = item;
        let bytes = 0;
        try {
          await db.runExclusive(() =>
            db.execProtocolRawStream(current.message, {
              onRawData: (data: Uint8Array) => {
                bytes += data.length;
                current.onData(data);
              },
            }),
          );
        } catch (error) {
          openSequence = null;
          current.reject(error);
          continue;
        }
        this.lastHandlerId = current.handlerId;
        openSequence = OPENS_SEQUENCE.has(current.message[0] ?? 0) ? current.handlerId : null;
        current.resolve(bytes);
      }
    } finally {
      this.processing = false;
    }
  };

  const clear = queue.clearQueueForHandler.bind(queue);
  queue.clearQueueForHandler = (handlerId: number): void => {
    // A connection that leaves mid-sequence must not hold the others' turn.
    if (openSequence === handlerId) openSequence = null;
    clear(handlerId);
    void queue.processQueue();
  };
}

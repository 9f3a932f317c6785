/**
 * How an error reaches a log line. pino's standard serializer copies every enumerable
 * property, and database errors carry the statement's values in them: a TypeORM
 * QueryFailedError has `parameters` (emails, password and token hashes), PostgreSQL adds
 * `detail` ("Failing row contains (...)", "Key (email)=(...)"), `where` and `internalQuery`;
 * an ioredis error has `command.args` (keys and values). So an error is logged by allow-list:
 * its type, message and stack, numbers and booleans, and the string properties below, with
 * quoted values in the message replaced; everything else is dropped
 * (docs/decisions.md, "Metrics port and logs").
 */

/** String properties that name things (codes, schema objects, hosts), never carry values. */
const SAFE_STRING_KEYS = new Set([
  'code',
  'errno',
  'syscall',
  'address',
  'hostname',
  'name',
  'type',
  'severity',
  'schema',
  'table',
  'column',
  'constraint',
  'dataType',
  'routine',
]);

/** Nested errors worth following. */
const NESTED_KEYS = ['cause', 'driverError'] as const;

const MAX_DEPTH = 4;

interface SerializedError {
  type: string;
  message: string;
  stack?: string;
  query?: string;
  [key: string]: unknown;
}

/**
 * Values quoted after a colon (`invalid input syntax for type uuid: "…"`, TypeORM's
 * `matching: {...}`) and after `=` in key details (`Key (email)=(…)`) are input, not
 * diagnosis: they are replaced. Names in quotes elsewhere (`relation "users"`) stay.
 */
export function redactMessage(text: string): string {
  return text
    .replace(/: "(?:[^"\\]|\\.)*"/g, ': "[redacted]"')
    .replace(/\)=\((?:[^()]|\([^()]*\))*\)/g, ')=([redacted])')
    .replace(/matching: [\s\S]*$/, 'matching: [redacted]');
}

/** SQL text keeps its shape; literals, which could hold values, become `'?'`. */
function redactQuery(sql: string): string {
  return sql.replace(/'(?:[^']|'')*'/g, "'?'").slice(0, 2000);
}

export function serializeError(error: unknown, depth = 0): unknown {
  if (typeof error !== 'object' || error === null) return typeof error === 'string' ? redactMessage(error) : error;
  const e = error as Record<string, unknown> & { message?: unknown; stack?: unknown };
  const out: SerializedError = {
    type: (e.constructor as { name?: string } | undefined)?.name ?? 'Object',
    message: redactMessage(typeof e.message === 'string' ? e.message : ''),
  };
  if (typeof e.stack === 'string') out.stack = redactStack(e.stack, typeof e.message === 'string' ? e.message : '');
  for (const [key, value] of Object.entries(e)) {
    if (key === 'message' || key === 'stack') continue;
    if (typeof value === 'number' || typeof value === 'boolean') out[key] = value;
    else if (typeof value === 'string' && SAFE_STRING_KEYS.has(key)) out[key] = value;
  }
  if (typeof e.query === 'string') out.query = redactQuery(e.query);
  if (depth < MAX_DEPTH) {
    for (const key of NESTED_KEYS) {
      if (typeof e[key] === 'object' && e[key] !== null) out[key] = serializeError(e[key], depth + 1);
    }
    if (Array.isArray(e.errors)) out.errors = e.errors.slice(0, 5).map((inner) => serializeError(inner, depth + 1));
  }
  return out;
}

/** A stack's first line repeats the message: it gets the same redaction. */
function redactStack(stack: string, message: string): string {
  const withoutMessage = message === '' ? stack : stack.replace(message, redactMessage(message));
  return redactMessage(withoutMessage);
}

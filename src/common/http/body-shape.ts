/**
 * Bounds on the shape of a JSON body, checked on its text in the JSON content-type parser,
 * before JSON.parse and before any Nest pipe: class-transformer deduplicates an object's keys
 * in quadratic time and the validation pipe builds one error per unknown key, so one wide body
 * could block the event loop for tens of seconds; and parsing an 800 KB object of 70 000 keys
 * alone costs tens of milliseconds (docs/decisions.md, "HTTP input bounds").
 */
export interface BodyShapeLimits {
  /** Keys of any one object. */
  maxKeys: number;
  /** Values in the whole body: every object key and every array element, at any depth. */
  maxValues: number;
}

/** Far above what any request DTO of this API needs, and far below a stall. */
export const DEFAULT_BODY_SHAPE: BodyShapeLimits = { maxKeys: 64, maxValues: 256 };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

const isWhitespace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/**
 * Why the JSON text is outside `limits`, or null when it is within them. One pass over the
 * characters that stops at the first excess, so a hostile body costs at most a scan up to the
 * limit. Exact for valid JSON; text that is not JSON may be counted loosely, and JSON.parse
 * refuses it next anyway.
 */
export function jsonShapeViolation(text: string, limits: BodyShapeLimits): string | null {
  // One entry per open container: its key count (objects) or element count (arrays).
  const isObject: boolean[] = [];
  const counts: number[] = [];
  // In an array: the next non-blank character starts a new element.
  let elementPending = false;
  let values = 0;
  let inString = false;
  let escaped = false;

  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (escaped) escaped = false;
      else if (c === BACKSLASH) escaped = true;
      else if (c === QUOTE) inString = false;
      continue;
    }
    if (isWhitespace(c)) continue;
    const top = counts.length - 1;
    if (elementPending && c !== CLOSE_ARRAY) {
      elementPending = false;
      counts[top] += 1;
      values += 1;
      if (values > limits.maxValues) return tooManyValues(limits);
    }
    if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      isObject.push(c === OPEN_OBJECT);
      counts.push(0);
      elementPending = c === OPEN_ARRAY;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      isObject.pop();
      counts.pop();
      elementPending = false;
    } else if (c === COLON && isObject[top] === true) {
      counts[top] += 1;
      values += 1;
      if (counts[top] > limits.maxKeys) {
        return `an object has more than ${limits.maxKeys} keys; at most ${limits.maxKeys} are allowed`;
      }
      if (values > limits.maxValues) return tooManyValues(limits);
    } else if (c === COMMA && isObject[top] === false) {
      elementPending = true;
    }
  }
  return null;
}

function tooManyValues(limits: BodyShapeLimits): string {
  return `the body has more than ${limits.maxValues} values (object keys and array items); at most ${limits.maxValues} are allowed`;
}

import { type ArgumentMetadata, Injectable, type PipeTransform } from '@nestjs/common';
import { AppException } from '../errors/app.exception.js';

const MAX_JSON_DEPTH = 32;

/** The first string in `value` (walked like jsonDepth) that holds U+0000, if any. */
function hasNul(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node === 'string') {
      if (node.includes('\u0000')) return true;
    } else if (node !== null && typeof node === 'object') {
      for (const [key, child] of Object.entries(node)) {
        if (key.includes('\u0000')) return true;
        stack.push(child);
      }
    }
  }
  return false;
}

/** Depth of a parsed JSON value, walked iteratively so a hostile body cannot overflow the stack. */
function jsonDepth(value: unknown, limit: number): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (node === null || typeof node !== 'object') continue;
    if (depth > max) max = depth;
    if (max > limit) return max;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return max;
}

/**
 * Runs before validation, on bodies, query strings and path parameters:
 * - a NUL character (U+0000) anywhere is refused with 400: PostgreSQL cannot store it in
 *   text and answers "invalid byte sequence" (a 500 before this check, found by fuzzing);
 * - bodies nested deeper than any DTO needs are refused with 400 (class-transformer
 *   recurses and would overflow on a few thousand levels);
 * - a body that is JSON but not an object (`null`, `[]`, `"x"`, `1`) is refused: every body
 *   of this API is an object, and the validation pipe would let `null` through as "no fields
 *   given". A body left out altogether stays undefined (a route whose fields are all
 *   optional accepts that).
 */
@Injectable()
export class UntrustedInputPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type !== 'body' && metadata.type !== 'query' && metadata.type !== 'param') return value;
    if (value === undefined) return value;
    if (hasNul(value)) {
      throw new AppException('COMMON_1000', 'Validation failed', [
        { field: metadata.data ?? `(${metadata.type})`, errors: ['must not contain the NUL character (U+0000)'] },
      ]);
    }
    if (metadata.type !== 'body') return value;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new AppException('COMMON_1000', 'Validation failed', [
        { field: '(body)', errors: ['the body must be a JSON object'] },
      ]);
    }
    if (jsonDepth(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
      throw new AppException('COMMON_1400', undefined, { reason: `JSON nested deeper than ${MAX_JSON_DEPTH} levels` });
    }
    return value;
  }
}

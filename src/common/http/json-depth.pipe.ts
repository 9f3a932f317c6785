import { type ArgumentMetadata, Injectable, type PipeTransform } from '@nestjs/common';
import { AppException } from '../errors/app.exception.js';

export const MAX_JSON_DEPTH = 32;

/** Depth of a parsed JSON value, walked iteratively so a hostile body cannot overflow the stack. */
export function jsonDepth(value: unknown, limit: number): number {
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
 * Runs before validation: bodies nested deeper than any DTO needs are refused with 400
 * (class-transformer recurses and would overflow on a few thousand levels).
 */
@Injectable()
export class JsonDepthPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'body' && jsonDepth(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
      throw new AppException('COMMON_1400', undefined, { reason: `JSON nested deeper than ${MAX_JSON_DEPTH} levels` });
    }
    return value;
  }
}

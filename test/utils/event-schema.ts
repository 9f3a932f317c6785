import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { EVENT_VERSION } from '#src/modules/events/user-events.js';

type Json = Record<string, unknown>;

/** The published event schema (docs/events/user-events.schema.json): any 1.x event, objects open. */
export const schema = JSON.parse(
  readFileSync(new URL('../../../docs/events/user-events.schema.json', import.meta.url), 'utf8'),
) as Json;

/**
 * The producer's own, stricter reading of it: the version this service publishes, only the
 * event types of that version, and every object closed. The published schema is open so that
 * consumers accept later 1.x events; this one makes the producer's tests fail when a field
 * or a type is added without a version change (docs/events/README.md, "Envelope").
 */
function producerSchema(published: Json): Json {
  const closed = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(closed);
    if (typeof node !== 'object' || node === null) return node;
    const out: Json = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, closed(v)]));
    // Only the object schemas themselves: the if/then branches name one property each.
    if (out.type === 'object' && out.properties !== undefined && out.additionalProperties === undefined) {
      out.additionalProperties = false;
    }
    return out;
  };
  const strict = closed(published) as Json & { properties: Json };
  strict.$id = `${String(published.$id).replace(/\.json$/, '')}-producer-${EVENT_VERSION}.json`;
  strict.properties = {
    ...strict.properties,
    event_type: { $ref: '#/$defs/event_type' },
    version: { const: EVENT_VERSION },
  };
  return strict;
}

export const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats.default(ajv);
/** The producer's check: what this service publishes, exactly (version 1.0.0, closed). */
export const validate = ajv.compile(producerSchema(schema));
/** A consumer's check: the published schema as it stands. */
export const validatePublished = ajv.compile(schema);

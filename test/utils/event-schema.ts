import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

/** The published event schema (docs/events/user-events.schema.json), compiled once for the tests that check events against it. */
export const schema = JSON.parse(
  readFileSync(new URL('../../../docs/events/user-events.schema.json', import.meta.url), 'utf8'),
) as object;
export const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats.default(ajv);
export const validate = ajv.compile(schema);

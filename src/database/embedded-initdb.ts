import { PGlite } from '@electric-sql/pglite';

/**
 * `node embedded-initdb.js DIR START_PARAMS_JSON`, run by EmbeddedDatabase.start on an empty
 * directory: creates PGlite's data directory (initdb) and closes it. What initdb leaves
 * behind (a second WebAssembly instance, its memory and compiled code, the data directory's
 * image, a malloc arena) goes with this process when it exits, instead of staying in the
 * server's RSS.
 */
const [dataDir, params] = process.argv.slice(2);
const db = await PGlite.create({ dataDir, startParams: JSON.parse(params) as string[] });
await db.close();

/**
 * An OTLP/HTTP endpoint that accepts and drops every export, for `npm run bench` with
 * tracing on (docs/performance.md, "Tracing"): the exporter's whole cost stays in the
 * service, none of a real collector's is added to the machine.
 *
 *   node dist/bench/otlp-sink.js 4318 &
 *   OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 npm run bench
 */
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? 4318);
let exports = 0;
let bytes = 0;
createServer((req, res) => {
  req.on('data', (chunk: Buffer) => (bytes += chunk.length));
  req.on('end', () => {
    exports += 1;
    res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'application/x-protobuf' }).end();
  });
}).listen(port, '127.0.0.1', () => process.stderr.write(`[otlp-sink] on 127.0.0.1:${port}\n`));
process.on('SIGTERM', () => {
  process.stderr.write(`[otlp-sink] ${exports} exports, ${(bytes / 1e6).toFixed(1)} MB\n`);
  process.exit(0);
});

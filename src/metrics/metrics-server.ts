import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MetricsAddress {
  host: string;
  port: number;
}

/**
 * The Prometheus listener: `GET /metrics` on its own port (METRICS_PORT), nothing else.
 * Kept off the API port so that no Service or Ingress routing the API can expose it:
 * counters of failed logins, lockouts and sign-ups are for the operator, not the public
 * (docs/decisions.md, "Metrics port and logs"). Plain node:http: no auth, no body, no
 * routing, so none of the API's guards, pipes or hooks apply or cost anything here.
 */
export class MetricsServer {
  private readonly server: Server;

  /**
   * `collect` gives the exposition text: this process's registry, or under WORKERS > 1 the
   * cluster primary's aggregate of every worker's (cluster/primary.ts).
   */
  constructor(
    private readonly collect: () => Promise<string>,
    private readonly contentType: string,
  ) {
    this.server = createServer((request, response) => void this.handle(request, response));
    // A scrape is one small GET: anything slower is a stuck or hostile client.
    this.server.requestTimeout = 10_000;
    this.server.headersTimeout = 5_000;
    this.server.keepAliveTimeout = 65_000;
  }

  listen(port: number, host: string): Promise<MetricsAddress> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const address = this.server.address() as AddressInfo;
        resolve({ host: address.address, port: address.port });
      });
    });
  }

  async close(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    // Prometheus keeps its connection alive between scrapes: do not wait for it to leave.
    this.server.closeAllConnections();
    await closed;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?', 1)[0];
    if (path !== '/metrics') return this.reply(response, 404, 'text/plain; charset=utf-8', 'not found\n');
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('allow', 'GET, HEAD');
      return this.reply(response, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
    }
    try {
      const text = await this.collect();
      this.reply(response, 200, this.contentType, request.method === 'HEAD' ? '' : text);
    } catch {
      this.reply(response, 500, 'text/plain; charset=utf-8', 'metrics collection failed\n');
    }
  }

  private reply(response: ServerResponse, status: number, contentType: string, body: string): void {
    response.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
    response.end(body);
  }
}

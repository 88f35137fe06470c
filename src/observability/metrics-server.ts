import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { HealthResult } from './health-check.js';

/**
 * The two operations routes on a plain node:http server (`worker --metrics-port`). The routes
 * are two functions, so `serve` mounts the same ones on its own HTTP framework.
 */
export interface MetricsRoutes {
  renderMetrics(): Promise<{ readonly contentType: string; readonly body: string }>;
  checkHealth(): Promise<HealthResult>;
}

export function metricsRequestHandler(routes: MetricsRoutes) {
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    try {
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('GET only\n');
      } else if (path === '/metrics') {
        const { contentType, body } = await routes.renderMetrics();
        response.writeHead(200, { 'content-type': contentType }).end(body);
      } else if (path === '/healthz') {
        const { status, body } = await routes.checkHealth();
        response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      } else {
        response
          .writeHead(404, { 'content-type': 'text/plain' })
          .end('Not found: this server answers /metrics and /healthz.\n');
      }
    } catch (error) {
      response
        .writeHead(500, { 'content-type': 'text/plain' })
        .end(`${error instanceof Error ? error.message : String(error)}\n`);
    }
  };
}

export interface MetricsServer {
  readonly server: Server;
  readonly port: number;
  close(): Promise<void>;
}

export async function startMetricsServer(
  routes: MetricsRoutes,
  port: number,
  host = '0.0.0.0',
): Promise<MetricsServer> {
  const handle = metricsRequestHandler(routes);
  const server = createServer((request, response) => void handle(request, response));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  return {
    server,
    port: typeof address === 'object' && address ? address.port : port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

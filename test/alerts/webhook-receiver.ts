import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local webhook receiver (node:http on port 0) standing in for Slack. Each request gets the next
 * scripted answer (an HTTP status, or 'hang': never answer); when the script runs out, 200.
 * Bodies are kept, in order; `received(n)` resolves once n requests have arrived.
 */
export interface WebhookReceiver {
  readonly url: string;
  readonly bodies: readonly unknown[];
  /** Appends answers for the coming requests. */
  script(...answers: readonly (number | 'hang')[]): void;
  received(count: number): Promise<readonly unknown[]>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(path = '/services/T000/B000/hook'): Promise<WebhookReceiver> {
  const bodies: unknown[] = [];
  const answers: (number | 'hang')[] = [];
  const waiters: { count: number; resolve: (b: readonly unknown[]) => void }[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null'));
      for (const w of waiters.splice(0)) {
        if (bodies.length >= w.count) w.resolve([...bodies]);
        else waiters.push(w);
      }
      const answer = answers.shift() ?? 200;
      if (answer === 'hang') return;
      res.writeHead(answer, { 'content-type': 'text/plain' }).end(answer === 200 ? 'ok' : 'no');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    bodies,
    script: (...more) => answers.push(...more),
    received: (count) =>
      bodies.length >= count
        ? Promise.resolve([...bodies])
        : new Promise((resolve) => waiters.push({ count, resolve })),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One webhook delivery as it arrived: its event type header, all headers, and the body. */
export interface Delivery {
  event: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A plain HTTP receiver on loopback that answers 204 to every POST and keeps what came. */
export interface WebhookReceiver {
  url: string;
  received: Delivery[];
  /** The parsed bodies of the deliveries of one event type. */
  of(event: string): Array<{ type: string; at: number; data: Record<string, unknown> }>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(pathname = '/hook'): Promise<WebhookReceiver> {
  const received: Delivery[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ event: String(req.headers['x-porchlight-event']), headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${pathname}`,
    received,
    of: (event) => received.filter((r) => r.event === event).map((r) => JSON.parse(r.body) as { type: string; at: number; data: Record<string, unknown> }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

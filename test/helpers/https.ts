import * as http from 'node:http';
import * as https from 'node:https';

export interface TestResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  json: () => any; // eslint-disable-line @typescript-eslint/no-explicit-any -- a test reads the JSON loosely and its assertions check the shape
}

/** Plain HTTPS request for tests (the hub's self-made certificate is accepted); plain HTTP for an http: base (a test's own front for the hub). */
export function call(
  base: string,
  method: string,
  route: string,
  options: { body?: Buffer | string; headers?: Record<string, string | number>; localAddress?: string } = {},
): Promise<TestResponse> {
  return new Promise((resolve, reject) => {
    const body = typeof options.body === 'string' ? Buffer.from(options.body) : options.body;
    const headers: Record<string, string | number> = { ...(options.headers ?? {}) };
    if (body) headers['content-length'] = body.length;
    const url = new URL(route, base);
    const req = (url.protocol === 'http:' ? http : https).request(url, { method, headers, rejectUnauthorized: false, agent: false, localAddress: options.localAddress }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const data = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data, json: () => JSON.parse(data.toString('utf8')) });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

import type { IncomingMessage, ServerResponse } from 'node:http';

/*
 * HTTP-01 (RFC 8555 §8.3): while an order is open, the ACME server fetches
 * http://<name>/.well-known/acme-challenge/<token> on port 80 and expects the key
 * authorization. The hub's plain-HTTP server asks this first and redirects everything else
 * to HTTPS; only tokens of orders in progress are answered, nothing else under that path.
 */

const PREFIX = '/.well-known/acme-challenge/';
/** RFC 8555 tokens are base64url; anything else is not ours. */
const TOKEN = /^[A-Za-z0-9_-]{1,256}$/;

export class Http01Responder {
  private readonly tokens = new Map<string, string>();

  present(token: string, keyAuthorization: string): void {
    this.tokens.set(token, keyAuthorization);
  }

  remove(token: string): void {
    this.tokens.delete(token);
  }

  /** Answers a challenge request and returns true; false: not a challenge path, the caller's. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = req.url ?? '';
    if (!url.startsWith(PREFIX)) return false;
    const token = url.slice(PREFIX.length);
    const answer = TOKEN.test(token) && (req.method === 'GET' || req.method === 'HEAD') ? this.tokens.get(token) : undefined;
    if (answer === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('no such challenge\n');
    } else {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(req.method === 'HEAD' ? undefined : answer);
    }
    return true;
  }
}

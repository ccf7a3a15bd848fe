import { strict as assert } from 'node:assert';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Http01Responder } from '../../../hub/acme/http01Responder';

/** A request and a response that records what was written, without a socket. */
function exchange(r: Http01Responder, method: string, url: string): { handled: boolean; status: number; body: string } {
  const out = { status: 0, body: '' };
  const res = {
    writeHead(status: number) {
      out.status = status;
      return this;
    },
    end(body?: string) {
      out.body = body ?? '';
      return this;
    },
  } as unknown as ServerResponse;
  const handled = r.handle({ method, url } as IncomingMessage, res);
  return { handled, ...out };
}

describe('HTTP-01 responder', () => {
  it('answers the token of an open order with its key authorization, and nothing once it is removed', () => {
    const r = new Http01Responder();
    r.present('tok_en-1', 'tok_en-1.thumbprint');
    assert.deepEqual(exchange(r, 'GET', '/.well-known/acme-challenge/tok_en-1'), { handled: true, status: 200, body: 'tok_en-1.thumbprint' });
    r.remove('tok_en-1');
    assert.equal(exchange(r, 'GET', '/.well-known/acme-challenge/tok_en-1').status, 404);
  });

  it('answers nothing but open tokens under the challenge path (no files, no traversal, no POST)', () => {
    const r = new Http01Responder();
    r.present('abc', 'abc.key');
    for (const url of ['/.well-known/acme-challenge/', '/.well-known/acme-challenge/../../etc/passwd', '/.well-known/acme-challenge/abc?x=1', '/.well-known/acme-challenge/other']) {
      assert.deepEqual(exchange(r, 'GET', url), { handled: true, status: 404, body: 'no such challenge\n' }, url);
    }
    assert.equal(exchange(r, 'POST', '/.well-known/acme-challenge/abc').status, 404);
  });

  it('leaves every other path to the redirect', () => {
    assert.equal(exchange(new Http01Responder(), 'GET', '/login').handled, false);
    assert.equal(exchange(new Http01Responder(), 'GET', '/.well-known/security.txt').handled, false);
  });
});

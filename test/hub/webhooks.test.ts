import { strict as assert } from 'node:assert';
import { createHmac } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ManualClock, type Clock } from '../../common/clock';
import { checkWebhookUrl, parseRetryAfter, signature, verifySignature, WebhookSender } from '../../hub/webhooks';
import { captureLog } from '../helpers/logCapture';

const SECRET = 'whsec-correct-horse-battery';
const T0 = Date.UTC(2025, 5, 1, 12, 0, 0);

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** What the receiver does with the nth request (0-based): answer, or hold the request open. */
type Reply = { status: number; headers?: Record<string, string> } | 'hang';

/** A clock whose sleeps return at once but are recorded, and move `now` on as a real wait would. */
class RecordingClock implements Clock {
  readonly waits: number[] = [];
  constructor(private current = T0) {}
  now(): number {
    return this.current;
  }
  async sleep(ms: number): Promise<void> {
    this.waits.push(ms);
    this.current += ms;
  }
}

/** A ManualClock that also says when someone starts sleeping on it. */
class WatchedClock extends ManualClock {
  readonly waits: number[] = [];
  private sleeping: Array<() => void> = [];
  nextSleep(): Promise<void> {
    return new Promise((resolve) => this.sleeping.push(resolve));
  }
  override sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.waits.push(ms);
    const p = super.sleep(ms, signal);
    for (const wake of this.sleeping.splice(0)) wake();
    return p;
  }
}

describe('webhooks', function () {
  this.timeout(20_000);
  const servers: http.Server[] = [];

  afterEach(async () => {
    for (const s of servers.splice(0)) {
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
  });

  async function receiver(reply: (n: number) => Reply, path = '/hooks/porchlight'): Promise<{ url: string; received: Received[] }> {
    const received: Received[] = [];
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const n = received.length;
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        const r = reply(n);
        if (r === 'hang') return;
        res.writeHead(r.status, r.headers ?? {});
        res.end('thanks');
      });
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`, received };
  }

  /** Checks one received request the way a receiver should, with its own clock reading `now`. */
  function verified(r: Received, now: number, secret = SECRET): boolean {
    return verifySignature(secret, String(r.headers['x-porchlight-timestamp']), r.body, String(r.headers['x-porchlight-signature']), now);
  }

  const event = { type: 'motion.start', at: T0 - 1500, data: { camera: 'porch', clip: 'c-123' } };

  it('POSTs signed JSON that the receiver can verify, with the event headers', async () => {
    const { url, received } = await receiver(() => ({ status: 204 }));
    const clock = new RecordingClock();
    const capture = captureLog();
    const sender = new WebhookSender({ clock, log: capture.log });
    const result = await sender.send({ id: 'hook-1', url, secret: SECRET }, event);

    assert.deepEqual(result, { delivered: true, attempts: 1, lastError: null });
    assert.equal(received.length, 1);
    const r = received[0]!;
    assert.equal(r.headers['content-type'], 'application/json');
    assert.equal(r.headers['x-porchlight-event'], 'motion.start');
    assert.equal(r.headers['x-porchlight-timestamp'], String(T0 / 1000));
    assert.match(String(r.headers['x-porchlight-signature']), /^sha256=[0-9a-f]{64}$/);
    const body = JSON.parse(r.body) as Record<string, unknown>;
    assert.deepEqual(body, { id: r.headers['x-porchlight-delivery'], type: 'motion.start', at: new Date(T0 - 1500).toISOString(), data: event.data });
    assert.match(String(body.id), /^[0-9a-f-]{36}$/);
    assert.equal(verified(r, T0 + 2000), true);
    assert.deepEqual(clock.waits, []);
  });

  it('retries 503s with growing waits, with the same delivery id and a fresh signature each time', async () => {
    const { url, received } = await receiver((n) => ({ status: n < 2 ? 503 : 200 }));
    const clock = new RecordingClock();
    const capture = captureLog();
    // Jitter pinned to its midpoint so the waits are exact; its range is tested below.
    const sender = new WebhookSender({ clock, log: capture.log, random: () => 0.5 });
    const result = await sender.send({ id: 'hook-1', url, secret: SECRET }, event);

    assert.deepEqual(result, { delivered: true, attempts: 3, lastError: null });
    assert.equal(received.length, 3);
    const ids = new Set(received.map((r) => r.headers['x-porchlight-delivery']));
    assert.equal(ids.size, 1);
    assert.equal(new Set(received.map((r) => r.body)).size, 1, 'the body is the same bytes on every attempt');
    assert.deepEqual(
      received.map((r) => r.headers['x-porchlight-timestamp']),
      [T0 / 1000, T0 / 1000 + 1, T0 / 1000 + 3].map(String),
      'the timestamp is taken per attempt',
    );
    for (const r of received) assert.equal(verified(r, Number(r.headers['x-porchlight-timestamp']) * 1000), true);

    assert.deepEqual(clock.waits, [1000, 2000]);
    assert.deepEqual(capture.messages('warn'), []);
    assert.deepEqual(capture.messages('info'), ['webhook delivered after retrying']);
  });

  it('sleeps on the injected clock: no retry until the clock reaches the wait', async () => {
    const { url, received } = await receiver((n) => ({ status: n === 0 ? 500 : 200 }));
    const clock = new WatchedClock(T0);
    const sender = new WebhookSender({ clock, log: captureLog().log, random: () => 0.5 });
    const asleep = clock.nextSleep();
    const sending = sender.send({ id: 'hook-1', url, secret: SECRET }, event);
    await asleep;
    assert.deepEqual(clock.waits, [1000]);
    clock.advance(999);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(received.length, 1);
    clock.advance(1);
    assert.deepEqual(await sending, { delivered: true, attempts: 2, lastError: null });
    assert.equal(received.length, 2);
    assert.equal(received[1]!.headers['x-porchlight-timestamp'], String(T0 / 1000 + 1));
  });

  it('doubles the wait up to maxDelayMs and gives up after maxAttempts, logging once', async () => {
    const { url, received } = await receiver(() => ({ status: 502 }));
    const clock = new RecordingClock();
    const capture = captureLog();
    const sender = new WebhookSender({ clock, log: capture.log, maxAttempts: 8, baseDelayMs: 1000, maxDelayMs: 30_000, random: () => 0.5 });
    const result = await sender.send({ id: 'hook-1', url, secret: SECRET }, event);
    assert.deepEqual(result, { delivered: false, attempts: 8, lastError: 'the receiver answered HTTP 502' });
    assert.equal(received.length, 8);
    assert.deepEqual(clock.waits, [1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
    assert.deepEqual(capture.messages('warn'), ['webhook given up after every attempt failed']);
  });

  it('keeps jittered waits within ±20 % and never above maxDelayMs', async () => {
    const { url } = await receiver(() => ({ status: 500 }));
    const low = new RecordingClock();
    await new WebhookSender({ clock: low, log: captureLog().log, maxAttempts: 4, random: () => 0 }).send({ id: 'h', url, secret: SECRET }, event);
    assert.deepEqual(low.waits, [800, 1600, 3200]);
    const high = new RecordingClock();
    await new WebhookSender({ clock: high, log: captureLog().log, maxAttempts: 4, maxDelayMs: 4500, random: () => 0.999999 }).send({ id: 'h', url, secret: SECRET }, event);
    assert.deepEqual(high.waits, [1200, 2400, 4500]);
  });

  it('honours Retry-After seconds on a 429', async () => {
    const { url, received } = await receiver((n) => (n === 0 ? { status: 429, headers: { 'retry-after': '7' } } : { status: 200 }));
    const clock = new RecordingClock();
    const result = await new WebhookSender({ clock, log: captureLog().log }).send({ id: 'hook-1', url, secret: SECRET }, event);
    assert.deepEqual(result, { delivered: true, attempts: 2, lastError: null });
    assert.deepEqual(clock.waits, [7000]);
    assert.equal(received.length, 2);
  });

  it('retries a 408', async () => {
    const { url } = await receiver((n) => ({ status: n === 0 ? 408 : 201 }));
    const result = await new WebhookSender({ clock: new RecordingClock(), log: captureLog().log }).send({ id: 'hook-1', url, secret: SECRET }, event);
    assert.deepEqual(result, { delivered: true, attempts: 2, lastError: null });
  });

  it('gives up at once on a 400, logging once', async () => {
    const { url, received } = await receiver(() => ({ status: 400 }));
    const clock = new RecordingClock();
    const capture = captureLog();
    const result = await new WebhookSender({ clock, log: capture.log }).send({ id: 'hook-1', url, secret: SECRET }, event);
    assert.deepEqual(result, { delivered: false, attempts: 1, lastError: 'the receiver answered HTTP 400' });
    assert.equal(received.length, 1);
    assert.deepEqual(clock.waits, []);
    assert.deepEqual(capture.messages('warn'), ['webhook refused by the receiver; not retrying']);
  });

  it('does not follow a redirect', async () => {
    const { url, received } = await receiver(() => ({ status: 302, headers: { location: 'http://203.0.113.9/elsewhere' } }));
    const result = await new WebhookSender({ clock: new RecordingClock(), log: captureLog().log }).send({ id: 'hook-1', url, secret: SECRET }, event);
    assert.equal(result.delivered, false);
    assert.equal(result.attempts, 1);
    assert.match(result.lastError!, /302.*redirect/);
    assert.equal(received.length, 1);
  });

  it('times out a receiver that never answers, and retries it', async () => {
    const { url, received } = await receiver(() => 'hang');
    const clock = new RecordingClock();
    const started = Date.now();
    const result = await new WebhookSender({ clock, log: captureLog().log, timeoutMs: 200, maxAttempts: 2 }).send({ id: 'hook-1', url, secret: SECRET }, event);
    assert.deepEqual(result, { delivered: false, attempts: 2, lastError: 'no answer within 0.2 s' });
    assert.equal(received.length, 2);
    assert.equal(clock.waits.length, 1);
    assert.ok(Date.now() - started < 5000);
  });

  it('retries a refused connection', async () => {
    const { url } = await receiver(() => ({ status: 200 }));
    const s = servers.pop()!;
    await new Promise<void>((resolve) => s.close(() => resolve()));
    const clock = new RecordingClock();
    const result = await new WebhookSender({ clock, log: captureLog().log, maxAttempts: 3 }).send({ id: 'hook-1', url, secret: SECRET }, event);
    assert.equal(result.delivered, false);
    assert.equal(result.attempts, 3);
    assert.match(result.lastError!, /ECONNREFUSED/);
    assert.equal(clock.waits.length, 2);
  });

  it('sends nothing to a URL that checkWebhookUrl refuses', async () => {
    let called = 0;
    const fetchImpl = (async () => {
      called++;
      return new Response(null, { status: 200 });
    }) as typeof fetch;
    const result = await new WebhookSender({ clock: new RecordingClock(), log: captureLog().log, fetchImpl }).send(
      { id: 'hook-1', url: 'http://hooks.example.com/x', secret: SECRET },
      event,
    );
    assert.equal(result.delivered, false);
    assert.equal(result.attempts, 0);
    assert.match(result.lastError!, /https:\/\//);
    assert.equal(called, 0);
  });

  it('never logs the secret, the signature or the URL path', async () => {
    const { url, received } = await receiver((n) => ({ status: [503, 429, 400][n] ?? 200 }), '/api/webhook/secret-path-id');
    const capture = captureLog();
    await new WebhookSender({ clock: new RecordingClock(), log: capture.log }).send({ id: 'hook-1', url, secret: SECRET }, event);
    assert.equal(received.length, 3);
    const logged = JSON.stringify(capture.lines);
    assert.ok(capture.lines.length >= 3);
    assert.ok(!logged.includes(SECRET));
    assert.ok(!logged.includes('sha256='));
    for (const r of received) assert.ok(!logged.includes(String(r.headers['x-porchlight-signature']).slice(7)));
    assert.ok(!logged.includes('secret-path-id'));
  });

  describe('signature and verifySignature', () => {
    const body = '{"id":"x","type":"t"}';
    const ts = String(T0 / 1000);

    it('is sha256= and the hex HMAC-SHA256 of "<timestamp>.<body>"', () => {
      const expected = createHmac('sha256', SECRET).update(`${ts}.${body}`).digest('hex');
      assert.equal(signature(SECRET, ts, body), `sha256=${expected}`);
    });

    const cases: Array<[string, { secret?: string; timestamp?: string; body?: string; header?: string; now?: number; toleranceMs?: number }, boolean]> = [
      ['the right secret, now', {}, true],
      ['the right secret, 299 s later', { now: T0 + 299_000 }, true],
      ['a wrong secret', { secret: 'whsec-wrong' }, false],
      ['a stale timestamp (301 s old)', { now: T0 + 301_000 }, false],
      ['a timestamp too far in the future', { now: T0 - 301_000 }, false],
      ['a tighter tolerance', { now: T0 + 61_000, toleranceMs: 60_000 }, false],
      ['a replay with a fresh timestamp but the old signature', { timestamp: String(T0 / 1000 + 600), now: T0 + 600_000 }, false],
      ['a tampered body', { body: '{"id":"x","type":"u"}' }, false],
      ['a header without the prefix', { header: signature(SECRET, ts, body).slice(7) }, false],
      ['an empty header', { header: '' }, false],
      ['a timestamp that is not a number', { timestamp: 'soon' }, false],
    ];
    for (const [name, c, expected] of cases) {
      it(`${expected ? 'accepts' : 'rejects'} ${name}`, () => {
        const header = c.header ?? signature(SECRET, ts, body);
        assert.equal(verifySignature(c.secret ?? SECRET, c.timestamp ?? ts, c.body ?? body, header, c.now ?? T0, c.toleranceMs), expected);
      });
    }
  });

  describe('checkWebhookUrl', () => {
    const cases: Array<[string, RegExp | null]> = [
      ['https://hooks.example.com/porch', null],
      ['https://93.184.216.34:8443/x', null],
      ['http://127.0.0.1:8123/api/webhook/abc', null],
      ['http://localhost:3000/hook', null],
      ['http://192.168.1.20/hook', null],
      ['http://10.0.0.5:8080/', null],
      ['http://172.20.1.1/', null],
      ['http://169.254.10.10/', null],
      ['http://[::1]:8080/', null],
      ['http://[fd12:3456::1]/', null],
      ['http://[::ffff:192.168.1.1]/', null],
      ['http://hooks.example.com/porch', /https:\/\//],
      ['http://homeassistant.local:8123/', /IP address/],
      ['http://8.8.8.8/', /on the internet/],
      ['http://172.32.0.1/', /on the internet/],
      ['http://[2001:db8::1]/', /on the internet/],
      ['ftp://192.168.1.20/hook', /https:\/\/ \(not ftp:\/\/\)/],
      ['file:///etc/passwd', /https:\/\//],
      ['not a url at all', /not a valid URL/],
      ['', /not a valid URL/],
      ['https://user:pw@hooks.example.com/', /user name or password/],
    ];
    for (const [url, problem] of cases) {
      it(`${JSON.stringify(url)} → ${problem === null ? 'ok' : 'refused'}`, () => {
        const got = checkWebhookUrl(url);
        if (problem === null) assert.equal(got, null);
        else {
          assert.ok(got !== null, 'expected a problem');
          assert.match(got, problem);
          assert.match(got, /\.$/, 'a sentence');
        }
      });
    }
  });

  it('parseRetryAfter reads seconds and HTTP dates', () => {
    assert.equal(parseRetryAfter('7', T0), 7000);
    assert.equal(parseRetryAfter(new Date(T0 + 30_000).toUTCString(), T0), 30_000);
    assert.equal(parseRetryAfter(new Date(T0 - 30_000).toUTCString(), T0), 0);
    assert.equal(parseRetryAfter('later', T0), null);
    assert.equal(parseRetryAfter(null, T0), null);
  });
});

import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import * as net from 'node:net';
import { startCuttingProxy, type CuttingProxy } from '../helpers/cuttingProxy';
import { startNetworkProxy } from '../../simulator/networkProxy';

/** An HTTP server that answers every request with its body, and how many body bytes it saw. */
async function startEcho(): Promise<{ server: http.Server; port: number; received: () => number }> {
  let received = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      received += c.length;
      chunks.push(c);
    });
    req.on('end', () => res.end(Buffer.concat(chunks)));
    req.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as net.AddressInfo).port, received: () => received };
}

function post(port: number, body: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // A fresh connection per request, so each one meets the proxy's rule anew.
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/', agent: false, headers: { 'content-length': body.length } });
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks)));
      res.on('error', reject);
    });
    req.end(body);
  });
}

/** Writes data on a raw connection, then reports what came back and how the connection ended. */
function rawExchange(port: number, data: Buffer, endAfterWrite: boolean): Promise<{ got: Buffer; error?: string }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let error: string | undefined;
    const s = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true }, () => {
      if (endAfterWrite) s.end(data);
      else s.write(data);
    });
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    s.on('end', () => s.end());
    s.on('close', () => resolve({ got: Buffer.concat(chunks), error }));
  });
}

describe('simulator: flaky network proxy', function () {
  this.timeout(20_000);
  let echo: Awaited<ReturnType<typeof startEcho>> | undefined;
  let raw: net.Server | undefined;
  let proxy: CuttingProxy | undefined;
  const rawReceived: number[] = [];

  beforeEach(async () => {
    echo = await startEcho();
    rawReceived.length = 0;
    // Echoes after the client has finished sending, and counts what each connection delivered.
    raw = net.createServer({ allowHalfOpen: true }, (s) => {
      const i = rawReceived.push(0) - 1;
      const chunks: Buffer[] = [];
      s.on('data', (c: Buffer) => {
        rawReceived[i] = (rawReceived[i] ?? 0) + c.length;
        chunks.push(c);
      });
      s.on('end', () => s.end(Buffer.concat(chunks)));
      s.on('error', () => {});
    });
    await new Promise<void>((r) => raw?.listen(0, '127.0.0.1', r));
  });

  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
    for (const server of [echo?.server, raw]) {
      if (!server) continue;
      if (server instanceof http.Server) server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
    echo = undefined;
    raw = undefined;
  });

  const rawPort = () => (raw?.address() as net.AddressInfo).port;

  it('passes traffic through untouched, including after the client half-closes', async () => {
    proxy = await startCuttingProxy(echo!.port);
    const body = randomBytes(500_000);
    assert.ok((await post(proxy.port, body)).equals(body));
    assert.ok((await post(proxy.port, Buffer.from('hi'))).equals(Buffer.from('hi')));
    assert.equal(proxy.connections, 2);
    assert.equal(proxy.cuts, 0);

    const tcp = await startCuttingProxy(rawPort(), { cutAfterBytes: () => null });
    try {
      const data = randomBytes(200_000);
      const { got, error } = await rawExchange(tcp.port, data, true);
      assert.equal(error, undefined);
      assert.ok(got.equals(data));
    } finally {
      await tcp.close();
    }
  });

  it('cuts a connection hard once N client→server bytes have passed', async () => {
    proxy = await startCuttingProxy(rawPort(), { cutAfterBytes: () => 1000 });
    const { got, error } = await rawExchange(proxy.port, randomBytes(10_000), false);
    assert.equal(error, 'ECONNRESET');
    assert.equal(got.length, 0);
    assert.deepEqual(rawReceived, [1000]);
    assert.equal(proxy.connections, 1);
    assert.equal(proxy.cuts, 1);
  });

  it('makes an HTTP upload fail before its answer, and asks the rule once per connection', async () => {
    let asked = 0;
    proxy = await startCuttingProxy(echo!.port, { cutAfterBytes: () => (asked++ === 0 ? 50_000 : null) });
    await assert.rejects(post(proxy.port, randomBytes(200_000)), (e: NodeJS.ErrnoException) => ['ECONNRESET', 'EPIPE'].includes(e.code ?? ''));
    assert.ok(echo!.received() < 50_000, `the server got ${echo!.received()} body bytes`);
    assert.equal(proxy.cuts, 1);

    const body = randomBytes(200_000);
    assert.ok((await post(proxy.port, body)).equals(body));
    assert.equal(asked, 2);
    assert.equal(proxy.connections, 2);
    assert.equal(proxy.cuts, 1);
  });

  it('applies setCut to later connections; 0 cuts at once', async () => {
    proxy = await startCuttingProxy(rawPort());
    assert.ok((await rawExchange(proxy.port, Buffer.from('one'), true)).got.equals(Buffer.from('one')));
    proxy.setCut(() => 0);
    const cut = await rawExchange(proxy.port, Buffer.from('two'), true);
    assert.equal(cut.got.length, 0);
    assert.equal(cut.error, 'ECONNRESET');
    assert.deepEqual(rawReceived, [3]);
    assert.equal(proxy.cuts, 1);
  });

  it('close() drops open connections and stops listening', async () => {
    proxy = await startCuttingProxy(rawPort());
    const open = rawExchange(proxy.port, Buffer.from('hello'), false);
    while (rawReceived[0] !== 5) await new Promise((r) => setTimeout(r, 10));
    const port = proxy.port;
    await proxy.close();
    proxy = undefined;
    const { got } = await open;
    assert.equal(got.length, 0);
    await assert.rejects(
      new Promise((resolve, reject) => net.connect(port, '127.0.0.1', () => resolve(undefined)).on('error', reject)),
      /ECONNREFUSED/,
    );
  });

  it('down resets open and new connections; up lets them through again', async () => {
    const net0 = await startNetworkProxy({ targetPort: rawPort() });
    try {
      const open = rawExchange(net0.port, Buffer.from('hello'), false);
      while (rawReceived[0] !== 5) await new Promise((r) => setTimeout(r, 10));
      net0.down();
      assert.equal((await open).error, 'ECONNRESET');
      assert.equal((await rawExchange(net0.port, Buffer.from('x'), true)).error, 'ECONNRESET');
      net0.up();
      assert.ok((await rawExchange(net0.port, Buffer.from('back'), true)).got.equals(Buffer.from('back')));
      assert.equal(net0.cuts, 2);
    } finally {
      await net0.close();
    }
  });

  it('stall holds every byte without closing anything, and up delivers them in order', async () => {
    const net0 = await startNetworkProxy({ targetPort: rawPort() });
    try {
      net0.stall();
      const data = randomBytes(300_000);
      const pending = rawExchange(net0.port, data, true);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(rawReceived[0] ?? 0, 0, 'nothing reached the server while stalled');
      net0.up();
      const { got, error } = await pending;
      assert.equal(error, undefined);
      assert.ok(got.equals(data));
    } finally {
      await net0.close();
    }
  });

  it('delays each chunk, and drops the given fraction of new connections', async () => {
    let r = 0;
    const rolls = [0.1, 0.9];
    const net0 = await startNetworkProxy({ targetPort: rawPort(), delayMs: 150, dropRate: 0.5, random: () => rolls[r++ % 2]! });
    try {
      assert.equal((await rawExchange(net0.port, Buffer.from('a'), true)).error, 'ECONNRESET', 'dropped');
      const t0 = Date.now();
      assert.ok((await rawExchange(net0.port, Buffer.from('b'), true)).got.equals(Buffer.from('b')));
      assert.ok(Date.now() - t0 >= 290, 'delayed both ways');
      assert.throws(() => net0.setDropRate(2), /drop rate must be a fraction 0–1, not 2/);
      assert.throws(() => net0.setDelay(-1), /delay must be 0–600000 ms, not -1/);
    } finally {
      await net0.close();
    }
  });
});

import { strict as assert } from 'node:assert';
import * as net from 'node:net';
import { PassThrough } from 'node:stream';
import { parseNetworkCommand, parseNetworkScript, runNetworkCommand } from '../../simulator/networkCommand';
import { runCli } from '../helpers/cli';

describe('simulator: `porchlight sim network`', function () {
  this.timeout(30_000);

  it('parses commands and timelines, refusing what it cannot follow with the reason', () => {
    assert.deepEqual(parseNetworkCommand(' delay 250 '), { kind: 'delay', ms: 250 });
    assert.deepEqual(parseNetworkCommand('drop 0.25'), { kind: 'drop', rate: 0.25 });
    assert.deepEqual(parseNetworkCommand('stall'), { kind: 'stall' });
    assert.throws(() => parseNetworkCommand('explode'), /unknown network command "explode"/);
    assert.throws(() => parseNetworkCommand('drop 3'), /drop needs a fraction/);
    assert.throws(() => parseNetworkCommand('up now'), /"up" takes no value/);
    assert.deepEqual(parseNetworkScript('down 2m, delay 200 30s, stall 5, up'), [
      { action: { kind: 'down' }, seconds: 120 },
      { action: { kind: 'delay', ms: 200 }, seconds: 30 },
      { action: { kind: 'stall' }, seconds: 5 },
      { action: { kind: 'up' }, seconds: null },
    ]);
    assert.throws(() => parseNetworkScript('down, up'), /every step but the last needs a time/);
    assert.throws(() => parseNetworkScript('down 3 weeks'), /the time must look like 30s/);
    assert.throws(() => parseNetworkScript(''), /the script is empty/);
  });

  it('runs a proxy that follows commands typed on its input', async () => {
    const server = net.createServer((s) => {
      s.on('data', (d) => s.write(d));
      s.on('error', () => undefined);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const input = new PassThrough();
    const said: string[] = [];
    const stop = new AbortController();
    const running = runNetworkCommand({
      target: { host: '127.0.0.1', port: (server.address() as net.AddressInfo).port },
      listen: { host: '127.0.0.1', port: 0 },
      delayMs: 0,
      dropRate: 0,
      say: (l) => said.push(l),
      input,
      signal: stop.signal,
    });
    try {
      while (!said[0]) await new Promise((r) => setTimeout(r, 10));
      const port = Number(/:(\d+) →/.exec(said[0])![1]);
      const echo = (text: string) =>
        new Promise<string>((resolve) => {
          const c = net.connect(port, '127.0.0.1', () => c.write(text));
          c.on('data', (d) => {
            resolve(d.toString());
            c.destroy();
          });
          c.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
        });
      assert.equal(await echo('hi'), 'hi');
      input.write('down\n');
      while (!said.some((l) => l.startsWith('network down'))) await new Promise((r) => setTimeout(r, 10));
      assert.equal(await echo('hi'), 'ECONNRESET');
      input.write('bogus\nup\nstatus\n');
      while (!said.some((l) => l.startsWith('up;'))) await new Promise((r) => setTimeout(r, 10));
      assert.ok(said.some((l) => l.startsWith('? unknown network command "bogus"')));
      assert.equal(await echo('back'), 'back');
    } finally {
      stop.abort();
      await running;
      server.close();
    }
  });

  it('refuses a bad script or address from the command line before starting', async () => {
    const bad = await runCli(['sim', 'network', '--target', '127.0.0.1:9443', '--script', 'down, up']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--script: "down": every step but the last needs a time/);
    const port = await runCli(['sim', 'network', '--target', 'hub:99999']);
    assert.equal(port.code, 1);
    assert.match(port.stderr, /must be host:port or a port number/);
  });
});

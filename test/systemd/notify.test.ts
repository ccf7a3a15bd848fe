import { strict as assert } from 'node:assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { createSystemdNotifier, statusAssignment, watchdogIntervalMs } from '../../common/systemdNotify';
import { captureLog } from '../helpers/logCapture';
import { cliLauncherArgs } from '../helpers/cli';
import { skipBecause } from '../helpers/skip';
import { useTempDir } from '../helpers/tmp';
import { sleep, until } from '../helpers/wait';

/*
 * The sd_notify protocol. A real unix datagram socket stands in for systemd's NOTIFY_SOCKET:
 * systemd-socket-activate (systemd's own tool) binds it and hands it to a tiny reader that
 * prints each datagram as a JSON line, because Node itself cannot read unix datagrams.
 */

const READER = `
const fs = require('fs');
const buf = Buffer.alloc(65536);
(function next() {
  fs.read(3, buf, 0, buf.length, null, (err, n) => {
    if (err) process.exit(1);
    process.stdout.write(JSON.stringify({ at: Date.now(), text: buf.subarray(0, n).toString() }) + '\\n');
    next();
  });
})();`;

interface Datagram {
  at: number;
  text: string;
}

function haveTool(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
}

/** A NOTIFY_SOCKET that records every datagram sent to it. */
async function notifySocket(dir: string): Promise<{ path: string; received: Datagram[]; close(): void }> {
  const socket = path.join(dir, 'notify.sock');
  const reader = path.join(dir, 'reader.js');
  writeFileSync(reader, READER);
  const received: Datagram[] = [];
  const child: ChildProcess = spawn('systemd-socket-activate', ['--datagram', '-l', socket, process.execPath, reader], { stdio: ['ignore', 'pipe', 'ignore'] });
  let buffered = '';
  child.stdout!.on('data', (d: Buffer) => {
    buffered += d.toString('utf8');
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      received.push(JSON.parse(buffered.slice(0, nl)) as Datagram);
      buffered = buffered.slice(nl + 1);
    }
  });
  await until('the stand-in notify socket', () => {
    try {
      readFileSync(socket);
      return false;
    } catch (err) {
      // A socket cannot be read as a file: ENXIO means it is there.
      return (err as NodeJS.ErrnoException).code === 'ENXIO';
    }
  });
  return { path: socket, received, close: () => child.kill() };
}

const fields = (d: Datagram) => Object.fromEntries(d.text.split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));

describe('systemd notify protocol', function () {
  this.timeout(120_000);
  const tmp = useTempDir('porchlight-notify-');

  describe('watchdog interval', () => {
    it('is half of WATCHDOG_USEC, in milliseconds', () => {
      assert.equal(watchdogIntervalMs({ WATCHDOG_USEC: '30000000' }, 42), 15_000);
      assert.equal(watchdogIntervalMs({ WATCHDOG_USEC: '1000000', WATCHDOG_PID: '42' }, 42), 500);
    });
    it('is off without a watchdog, or when the watchdog is meant for another process', () => {
      assert.equal(watchdogIntervalMs({}, 42), null);
      assert.equal(watchdogIntervalMs({ WATCHDOG_USEC: '0' }, 42), null);
      assert.equal(watchdogIntervalMs({ WATCHDOG_USEC: 'soon' }, 42), null);
      assert.equal(watchdogIntervalMs({ WATCHDOG_USEC: '1000000', WATCHDOG_PID: '7' }, 42), null);
    });
    it('keeps a status to one line', () => {
      assert.equal(statusAssignment('serving\nhttps://x/'), 'STATUS=serving https://x/');
    });
  });

  describe('notifier', () => {
    it('sends nothing when no service manager listens', async () => {
      const sent: string[][] = [];
      const n = createSystemdNotifier(captureLog().log, { env: { WATCHDOG_USEC: '20000' }, send: async (a) => void sent.push(a) });
      n.ready('x');
      n.startWatchdog();
      await sleep(80);
      n.stopWatchdog();
      assert.equal(n.active, false);
      assert.deepEqual(sent, []);
    });

    it('pings only while the service says it is healthy, and warns once when it cannot notify', async () => {
      const sent: string[][] = [];
      let healthy = true;
      const n = createSystemdNotifier(captureLog().log, { env: { NOTIFY_SOCKET: '/x', WATCHDOG_USEC: '40000' }, pid: 1, send: async (a) => void sent.push(a) });
      n.startWatchdog(() => healthy);
      await until('three pings', () => sent.length >= 3, 5000, 5);
      healthy = false;
      await sleep(60);
      const count = sent.length;
      await sleep(100);
      n.stopWatchdog();
      assert.equal(sent.length, count, 'an unhealthy service stops pinging, so systemd restarts it');
      assert.ok(sent.every((a) => a.join() === 'WATCHDOG=1'));

      const capture = captureLog();
      const failing = createSystemdNotifier(capture.log, { env: { NOTIFY_SOCKET: '/x' }, send: async () => Promise.reject(new Error('systemd-notify: not found')) });
      failing.ready();
      failing.status('a');
      await sleep(20);
      assert.equal(capture.messages('warn').length, 1);
    });
  });

  describe('a real hub under a stand-in NOTIFY_SOCKET', () => {
    let hub: ChildProcess | null = null;
    afterEach(() => hub?.kill('SIGKILL'));

    it('sends READY=1 once it is listening, then WATCHDOG=1 every half WATCHDOG_USEC, and STOPPING=1 on SIGTERM', async function () {
      for (const tool of ['systemd-notify', 'systemd-socket-activate']) {
        if (!haveTool(tool)) skipBecause(this, `${tool} is not installed (it comes with systemd)`);
      }
      const sock = await notifySocket(tmp.dir);
      try {
        const config = path.join(tmp.dir, 'hub.yaml');
        writeFileSync(config, `dataDir: ${path.join(tmp.dir, 'hub')}\nlog: {level: warn}\nhub: {host: 127.0.0.1, httpsPort: 0, httpPort: 0}\n`);
        const child = spawn(process.execPath, cliLauncherArgs(['hub', '--config', config]), {
          env: { ...process.env, NOTIFY_SOCKET: sock.path, WATCHDOG_USEC: '1000000' },
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        hub = child;
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));

        const ready = await until('READY=1', () => sock.received.find((d) => fields(d).READY === '1'), 60_000).catch((err: Error) => {
          throw new Error(`${err.message}; the hub wrote: ${stderr.slice(-2000)}`);
        });
        const f = fields(ready);
        assert.equal(f.MAINPID, String(child.pid), 'the message names the hub, not the systemd-notify child');
        assert.match(f.STATUS ?? '', /^serving https:\/\//);
        // READY=1 means serving: the hub's port answers now, not some time later.
        const runtime = JSON.parse(readFileSync(path.join(tmp.dir, 'hub', 'run', 'hub.json'), 'utf8')) as { httpsPort: number };
        await new Promise<void>((resolve, reject) => {
          const s = net.connect(runtime.httpsPort, '127.0.0.1', () => {
            s.destroy();
            resolve();
          });
          s.on('error', reject);
        });
        assert.equal(sock.received.filter((d) => fields(d).WATCHDOG === '1' && d.at < ready.at).length, 0, 'no watchdog pings before READY');

        // WATCHDOG_USEC = 1 s: a ping every 0.5 s. Over 3 s that is about 6; a loaded machine
        // may drop one or two, but a hub that pinged once, or at every tick, would be wrong.
        const from = Date.now();
        await sleep(3000);
        const pings = sock.received.filter((d) => fields(d).WATCHDOG === '1' && d.at >= from);
        assert.ok(pings.length >= 3 && pings.length <= 8, `expected about 6 watchdog pings in 3 s, got ${pings.length}`);

        const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
        child.kill('SIGTERM');
        assert.equal(await exited, 0, stderr);
        assert.ok(sock.received.some((d) => fields(d).STOPPING === '1'), 'STOPPING=1 on a clean stop');
      } finally {
        sock.close();
      }
    });
  });
});

import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import YAML from 'yaml';
import { pairCamera } from '../../camera-agent/pairCamera';
import { hubPaths } from '../../common/dataLayout';
import { FAULT_EXIT_CODE } from '../../common/processFaults';
import { openPairingWindow } from '../../hub/pairing';
import { cliLauncherArgs } from '../helpers/cli';
import { makeClipHub } from '../helpers/clipFactory';
import { startTestHub } from '../helpers/hub';
import { REPO_DIR } from '../helpers/repo';
import { useTempDir } from '../helpers/tmp';
import { until } from '../helpers/wait';

/*
 * A fault nothing catches, in a real Porchlight process: the process must say what failed,
 * with the stack, in its own log, and exit non-zero so that systemd starts it again. The
 * fault comes from test/helpers/faultInjection.ts, preloaded with `node --require` (the
 * product has no switch for it) and set off with SIGUSR2 once the service is up.
 */

const INJECTOR = path.join(__dirname, '..', 'helpers', 'faultInjection.js');
const PROCESS_FAULTS = path.join(__dirname, '..', '..', 'common', 'processFaults.js');

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

interface Started {
  stderr: () => string;
  running: () => boolean;
  kill: (signal: NodeJS.Signals) => void;
  ended: Promise<Ended>;
}

function start(args: string[], env: Record<string, string> = {}): Started {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  // JSON lines, whatever stream the test runner's stderr is.
  delete childEnv.JOURNAL_STREAM;
  delete childEnv.PORCHLIGHT_DATA_DIR;
  delete childEnv.PORCHLIGHT_CONFIG;
  const child = spawn(process.execPath, args, { env: childEnv, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  let running = true;
  child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const ended = new Promise<Ended>((resolve) => {
    child.on('close', (code, signal) => {
      running = false;
      resolve({ code, signal, stderr: err });
    });
  });
  return { stderr: () => err, running: () => running, kill: (s) => child.kill(s), ended };
}

/** The log lines that are JSON (a fault line must be one of them, not a bare stack). */
function jsonLines(stderr: string): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const line of stderr.split('\n')) {
    try {
      const v = JSON.parse(line) as unknown;
      if (v && typeof v === 'object') out.push(v as Record<string, unknown>);
    } catch {
      // not a log line
    }
  }
  return out;
}

function faultLine(ended: Ended): { name?: unknown; msg?: unknown; fault?: unknown; level?: unknown; err: { message?: unknown; stack?: unknown } } {
  const line = jsonLines(ended.stderr).find((l) => l.level === 60);
  assert.ok(line, `a fatal log line (JSON, level 60) names the fault; stderr was:\n${ended.stderr.slice(-3000)}`);
  assert.ok(line.err && typeof line.err === 'object', `the line carries the error: ${JSON.stringify(line)}`);
  return line as ReturnType<typeof faultLine>;
}

/** Starts a service through the CLI (as its systemd unit does) with the fault injector preloaded. */
async function runUntilUp(args: string[], upMessage: string, fault: 'rejection' | 'exception'): Promise<Started> {
  const proc = start(['--require', INJECTOR, ...cliLauncherArgs(args)], { PORCHLIGHT_TEST_FAULT: fault });
  await until(
    `"${upMessage}" in the log`,
    () => {
      assert.ok(proc.running(), `the process exited before it was up:\n${proc.stderr().slice(-3000)}`);
      return proc.stderr().includes(`"msg":"${upMessage}`);
    },
    60_000,
  );
  return proc;
}

describe('process faults: an unhandled rejection or uncaught exception is logged with its stack and ends the process non-zero', function () {
  this.timeout(120_000);
  let running: Started | null = null;
  // Before the temp dir's own hook, which runs after this one: the process goes first.
  afterEach(async () => {
    if (running?.running()) {
      running.kill('SIGKILL');
      await running.ended;
    }
    running = null;
  });
  const tmp = useTempDir();

  it('the relay: a promise rejected with nobody awaiting it is one fatal line of its log, with the stack, and exit 70', async () => {
    const hub = await makeClipHub(path.join(tmp.dir, 'hub'));
    hub.close();
    const config = path.join(tmp.dir, 'relay.yaml');
    writeFileSync(config, YAML.stringify({ dataDir: hub.dir, log: { level: 'info' }, relay: { pollSeconds: 0.1 } }));
    running = await runUntilUp(['relay', '--config', config], 'relay started', 'rejection');
    running.kill('SIGUSR2');
    const ended = await running.ended;
    const line = faultLine(ended);
    assert.equal(line.name, 'relay', "the line is the relay's own log's");
    assert.equal(line.fault, 'unhandled rejection');
    assert.match(String(line.msg), /unhandled rejection/);
    assert.equal(line.err.message, 'injected rejection');
    assert.match(String(line.err.stack), /injectedRejection .*faultInjection\.js/, 'the stack says where the fault came from');
    assert.deepEqual({ code: ended.code, signal: ended.signal }, { code: FAULT_EXIT_CODE, signal: null });
  });

  it('the hub: an exception thrown from a timer is one fatal line of its log, with the stack, and exit 70', async () => {
    const config = path.join(tmp.dir, 'hub.yaml');
    writeFileSync(config, YAML.stringify({ dataDir: path.join(tmp.dir, 'hub'), log: { level: 'info' }, hub: { host: '127.0.0.1', httpsPort: 0, httpPort: 0 } }));
    running = await runUntilUp(['hub', '--config', config], 'hub listening', 'exception');
    running.kill('SIGUSR2');
    const ended = await running.ended;
    const line = faultLine(ended);
    assert.equal(line.name, 'hub');
    assert.equal(line.fault, 'uncaught exception');
    assert.equal(line.err.message, 'injected exception');
    assert.match(String(line.err.stack), /injectedException .*faultInjection\.js/);
    assert.deepEqual({ code: ended.code, signal: ended.signal }, { code: FAULT_EXIT_CODE, signal: null });
  });

  it('before a service has its logger (a bare entry), the fault is still one JSON line with the stack, and exit 70', async () => {
    const entry = `require(${JSON.stringify(PROCESS_FAULTS)}).installProcessFaults();
      async function earlyFault() { throw new Error('early fault'); }
      void earlyFault();`;
    const ended = await start(['-e', entry]).ended;
    const line = faultLine(ended);
    assert.equal(line.err.message, 'early fault');
    assert.match(String(line.err.stack), /earlyFault/);
    assert.equal(ended.code, FAULT_EXIT_CODE);
  });

  it('a value that is not an Error (a rejected string) is logged as an error with a stack, not lost', async () => {
    const entry = `require(${JSON.stringify(PROCESS_FAULTS)}).installProcessFaults();
      Promise.reject('the disk said no');`;
    const ended = await start(['-e', entry]).ended;
    const line = faultLine(ended);
    assert.match(String(line.err.message), /the disk said no/);
    assert.equal(typeof line.err.stack, 'string');
    assert.equal(ended.code, FAULT_EXIT_CODE);
  });

  it('the camera agent: a promise rejected with nobody awaiting it is one fatal line of its own log, with the stack, and exit 70', async () => {
    // Paired with a real hub, as `porchlight agent run` refuses to start a camera that is not.
    const hub = await startTestHub(path.join(tmp.dir, 'hub'));
    try {
      const agentDir = path.join(tmp.dir, 'agent');
      await pairCamera(agentDir, hub.base, (await openPairingWindow(hub.db, 60_000, hub.clock.t)).code, 'porch');
      const config = path.join(tmp.dir, 'agent.yaml');
      writeFileSync(config, YAML.stringify({ dataDir: agentDir, log: { level: 'info' }, agent: { name: 'porch', source: 'sim:person-walks' } }));
      running = await runUntilUp(['agent', 'run', '--config', config], 'camera agent starting', 'rejection');
      running.kill('SIGUSR2');
      const ended = await running.ended;
      const line = faultLine(ended);
      assert.equal(line.name, 'agent:porch', "the line is the agent's own log's");
      assert.equal(line.fault, 'unhandled rejection');
      assert.match(String(line.msg), /unhandled rejection: exiting so that the service is restarted/);
      assert.equal(line.err.message, 'injected rejection');
      assert.match(String(line.err.stack), /injectedRejection .*faultInjection\.js/);
      assert.deepEqual({ code: ended.code, signal: ended.signal }, { code: FAULT_EXIT_CODE, signal: null });
    } finally {
      if (running?.running()) {
        running.kill('SIGKILL');
        await running.ended;
      }
      await hub.stop();
    }
  });

  it('a console command (no service logger): a fault while it waits on the hub is one JSON line with the stack, and exit 70', async () => {
    // `porchlight keys unlock` against a hub that takes the passphrase and never answers: the
    // command is then surely running, its handlers installed by the CLI before any command.
    const dataDir = path.join(tmp.dir, 'hub');
    const socketPath = hubPaths(dataDir).unlockSocket;
    mkdirSync(path.dirname(socketPath), { recursive: true });
    const held: net.Socket[] = [];
    let asked = false;
    const hangingHub = net.createServer((socket) => {
      held.push(socket);
      socket.on('data', () => (asked = true));
    });
    await new Promise<void>((resolve) => hangingHub.listen(socketPath, resolve));
    try {
      const passFile = path.join(tmp.dir, 'pass');
      writeFileSync(passFile, 'the long winter porch passphrase\n');
      running = start(['--require', INJECTOR, ...cliLauncherArgs(['keys', 'unlock', '--data', dataDir, '--passphrase-file', passFile])]);
      await until('the command asked the hub', () => {
        assert.ok(running!.running(), `the command exited before it asked the hub:\n${running!.stderr().slice(-3000)}`);
        return asked;
      }, 30_000);
      running.kill('SIGUSR2');
      const ended = await running.ended;
      const line = faultLine(ended);
      assert.equal(line.fault, 'unhandled rejection');
      assert.match(String(line.msg), /unhandled rejection: exiting so that the service is restarted/);
      assert.equal(line.err.message, 'injected rejection');
      assert.match(String(line.err.stack), /injectedRejection .*faultInjection\.js/);
      assert.deepEqual({ code: ended.code, signal: ended.signal }, { code: FAULT_EXIT_CODE, signal: null });
    } finally {
      for (const s of held) s.destroy();
      await new Promise<void>((resolve) => hangingHub.close(() => resolve()));
    }
  });

  it('every unit of a Porchlight process restarts it when it exits with the fault code (Restart=on-failure, and 70 is not a status it refuses)', () => {
    const dir = path.join(REPO_DIR, 'systemd');
    // The WireGuard units run wg-quick and systemctl once (Type=oneshot), not a Porchlight process.
    const units = readdirSync(dir).filter((f) => f.endsWith('.service') && /^ExecStart=.*porchlight\.js /m.test(readFileSync(path.join(dir, f), 'utf8')));
    assert.ok(units.length >= 3, `units found: ${units.join(', ')}`);
    for (const unit of units) {
      const text = readFileSync(path.join(dir, unit), 'utf8');
      assert.match(text, /^Restart=on-failure$/m, unit);
      const refused = /^RestartPreventExitStatus=(.*)$/m.exec(text)?.[1]?.split(/\s+/) ?? [];
      assert.ok(!refused.includes(String(FAULT_EXIT_CODE)), `${unit} does not restart on ${FAULT_EXIT_CODE}`);
    }
  });
});

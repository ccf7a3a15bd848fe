import { strict as assert } from 'node:assert';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { openHubState } from '../../hub/hub';
import { addRemotePeer, remoteTunnelAddress, writeHubConfig } from '../../hub/remoteAccess';
import { addTestUser } from '../helpers/hub';
import { cliLauncherArgs } from '../helpers/cli';
import { REPO_DIR } from '../helpers/repo';
import { skipBecause } from '../helpers/skip';
import { useSharedTempDir } from '../helpers/tmp';
import { until } from '../helpers/wait';

/*
 * Remote access for real (docs/remote.md): two network namespaces on this machine, "home" and
 * "phone", joined by a veth pair that stands for the internet. The home runs the hub and its
 * WireGuard interface, brought up by `wg-quick up` from the config Porchlight wrote, exactly
 * as porchlight-wg.service does (userspace wireguard-go over /dev/net/tun where the kernel has
 * no WireGuard module, as here). The phone brings up the config `porchlight remote add` printed,
 * as the WireGuard app would, and loads the hub's page and API through the tunnel; once the
 * peer is revoked the same requests fail.
 *
 * The hub binds only its tunnel address here: that is the home router, which forwards the
 * WireGuard UDP port and nothing else. The test checks that the phone cannot reach the hub
 * over the underlay, so everything it does reach went through the tunnel.
 *
 * The home's interface has the one name Porchlight supports, "porchlight", and is brought up
 * by the units' own command lines (the config check, then wg-quick on the checked copy).
 * Interface names are per namespace, but wireguard-go's control sockets are files in
 * /run/wireguard: every command in the home runs with a private folder mounted there, so the
 * test's "porchlight" never meets another.
 */

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

async function must(cmd: string, args: string[]): Promise<string> {
  const r = await run(cmd, args);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.code}): ${r.stderr || r.stdout}`);
  return r.stdout;
}

function haveTool(name: string): boolean {
  return (process.env.PATH ?? '').split(':').some((dir) => existsSync(path.join(dir, name)));
}

/**
 * The wireguard-go daemons serving `ifname` (wg-quick starts them in the background, so they
 * are found by their exact command line), only those in the network namespace `netns` when given.
 */
function wireguardGoPids(ifname: string, netns?: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
      if (argv.length !== 2 || path.basename(argv[0]!) !== 'wireguard-go' || argv[1] !== ifname) continue;
      if (netns !== undefined && readlinkSync(`/proc/${entry}/ns/net`) !== netns) continue;
      pids.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}

describe('remote access through WireGuard, between two network namespaces', function () {
  this.timeout(180_000);
  const tmp = useSharedTempDir();
  const tag = randomBytes(3).toString('hex');
  const ns = { home: `plhome-${tag}`, phone: `plphone-${tag}` };
  // The phone's name is unique per run: its wireguard-go socket is in the machine's /run/wireguard.
  const ifname = { home: 'porchlight', phone: `plp${tag}` };
  const underlay = { home: '192.168.251.1', phone: '192.168.251.2' };
  const created: string[] = [];
  const upConfigs: Array<{ ns: string; file: string; ifname: string }> = [];
  let hub: ChildProcess | null = null;
  let hubLog = '';
  let dataDir = '';
  let tunnel: { address: string; subnet: string };
  let phoneConfig = '';
  /** The home's /run/wireguard, and where the units keep the checked config (/run/porchlight-wg). */
  let homeRunWireguard = '';
  let runWg = '';
  let homeNetns = '';

  const inNs = (name: string, cmd: string, args: string[], timeoutMs?: number) => run('ip', ['netns', 'exec', name, cmd, ...args], timeoutMs);
  /** In the home: its network namespace and its own /run/wireguard (`ip netns exec` gives each command a mount namespace of its own to do it in). */
  const inHome = (cmd: string, args: string[], timeoutMs?: number) =>
    inNs(ns.home, '/bin/sh', ['-c', 'mount --bind "$0" /run/wireguard && exec "$@"', homeRunWireguard, cmd, ...args], timeoutMs);
  const cli = (args: string[]) => inHome(process.execPath, cliLauncherArgs([...args, '--data', dataDir]));
  const hubConf = () => path.join(dataDir, 'wireguard', 'porchlight.conf');
  /** A unit's Exec… line, pointed at this test's data dir, checked-config folder and checkout. */
  const unitLine = (unit: string, key: string): string => {
    const text = readFileSync(path.join(REPO_DIR, 'systemd', unit), 'utf8');
    const line = new RegExp(`^${key}=(.*)$`, 'm').exec(text);
    assert.ok(line, `${unit} has no ${key}=`);
    return line[1]!.replaceAll('/var/lib/porchlight/hub', dataDir).replaceAll('/run/porchlight-wg', runWg).replaceAll('/opt/porchlight', REPO_DIR);
  };
  /** Runs a unit's plain Exec… line (no quoting in them) in the home. */
  const unitCommand = (unit: string, key: string) => {
    const [cmd, ...args] = unitLine(unit, key).split(' ');
    return inHome(cmd!, args);
  };
  /** What systemd does for porchlight-wg.service's start: ExecStart only when ExecStartPre succeeded. */
  const startWg = async () => {
    const pre = await unitCommand('porchlight-wg.service', 'ExecStartPre');
    if (pre.code !== 0) return { pre, start: null };
    return { pre, start: await unitCommand('porchlight-wg.service', 'ExecStart') };
  };
  /**
   * `systemctl reload porchlight-wg` (what porchlight-wg-reload.service asks when the file
   * changes), as systemd runs it: the unit's ExecReload lines in order, the first the check,
   * the second `wg syncconf` (bash -c '…'), stopping at the first that fails.
   */
  const reloadWg = async () => {
    const text = readFileSync(path.join(REPO_DIR, 'systemd', 'porchlight-wg.service'), 'utf8');
    const lines = [...text.matchAll(/^ExecReload=(.*)$/gm)].map((m) =>
      m[1]!.replaceAll('/var/lib/porchlight/hub', dataDir).replaceAll('/run/porchlight-wg', runWg).replaceAll('/opt/porchlight', REPO_DIR),
    );
    assert.equal(lines.length, 2, 'the check, then wg syncconf');
    const [cmd, ...args] = lines[0]!.split(' ');
    const pre = await inHome(cmd!, args);
    if (pre.code !== 0) return { pre, start: null };
    const command = /^\/bin\/bash -c '(.*)'$/.exec(lines[1]!)![1]!;
    return { pre, start: await inHome('/bin/bash', ['-c', command]) };
  };
  /** What the phone gets from the hub at `url`: curl's exit code (0, or 7 refused, 28 timed out) and the body. Phones trust the household CA, which issues the browsers' certificate. */
  const phoneFetch = (url: string) =>
    inNs(ns.phone, 'curl', ['--silent', '--show-error', '--max-time', '8', '--cacert', path.join(dataDir, 'tls', 'household-ca.crt'), '--write-out', '\n%{http_code}', url], 20_000);

  before(async function () {
    if (process.getuid?.() !== 0) skipBecause(this, 'network namespaces and WireGuard interfaces need root');
    for (const tool of ['ip', 'wg', 'wg-quick', 'wireguard-go', 'curl']) {
      if (!haveTool(tool)) skipBecause(this, `${tool} is not installed (scripts/test-setup.sh installs wireguard-tools and wireguard-go)`);
    }
    if (!existsSync('/dev/net/tun')) skipBecause(this, 'no /dev/net/tun: wireguard-go needs it');
    // The test process itself (adding a peer as the hub would) is outside the home: with a real
    // "porchlight" interface on this machine it would change that one.
    if ((await run('ip', ['link', 'show', 'porchlight'])).code === 0 || existsSync('/run/wireguard/porchlight.sock')) {
      skipBecause(this, 'this machine runs a WireGuard interface named "porchlight" (a real Porchlight hub): the test would touch it');
    }
    homeRunWireguard = path.join(tmp.dir, 'home-run-wireguard');
    runWg = path.join(tmp.dir, 'run-porchlight-wg');
    mkdirSync(homeRunWireguard, { mode: 0o700 });
    mkdirSync('/run/wireguard', { recursive: true, mode: 0o700 });

    for (const name of [ns.home, ns.phone]) {
      await must('ip', ['netns', 'add', name]);
      created.push(name);
      await must('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    }
    homeNetns = `net:[${statSync(`/run/netns/${ns.home}`).ino}]`;
    await must('ip', ['link', 'add', `plvh${tag}`, 'netns', ns.home, 'type', 'veth', 'peer', 'name', `plvp${tag}`, 'netns', ns.phone]);
    await must('ip', ['-n', ns.home, 'address', 'add', `${underlay.home}/24`, 'dev', `plvh${tag}`]);
    await must('ip', ['-n', ns.phone, 'address', 'add', `${underlay.phone}/24`, 'dev', `plvp${tag}`]);
    await must('ip', ['-n', ns.home, 'link', 'set', `plvh${tag}`, 'up']);
    await must('ip', ['-n', ns.phone, 'link', 'set', `plvp${tag}`, 'up']);

    // A hub with its owner, then remote access set up from the console as the owner would.
    dataDir = path.join(tmp.dir, 'hub');
    const state = await openHubState(dataDir);
    await addTestUser(state.db, 'owner');
    state.db.close();
    const setup = await cli(['remote', 'setup', '--endpoint', underlay.home]);
    assert.equal(setup.code, 0, setup.stderr);
    const db = (await openHubState(dataDir)).db;
    tunnel = remoteTunnelAddress(db)!;
    db.close();

    // What porchlight-wg.service runs: the check, then wg-quick on the checked copy.
    const up = await startWg();
    assert.equal(up.pre.code, 0, `porchlight-wg-check refused the config Porchlight wrote: ${up.pre.stderr}`);
    assert.equal(up.start?.code, 0, up.start?.stderr);

    const config = path.join(tmp.dir, 'hub.yaml');
    writeFileSync(config, `dataDir: ${dataDir}\nlog: {level: warn}\nhub: {host: ${tunnel.address}, httpsPort: 443, redirectHttp: false}\n`);
    hub = spawn('ip', ['netns', 'exec', ns.home, process.execPath, ...cliLauncherArgs(['hub', '--config', config])], { stdio: ['ignore', 'ignore', 'pipe'] });
    hub.stderr!.on('data', (d: Buffer) => (hubLog += d.toString()));
    await until('the hub serving in the home namespace', () => {
      if (hub!.exitCode !== null) throw new Error(`the hub exited (${hub!.exitCode})`);
      return existsSync(path.join(dataDir, 'run', 'hub.json'));
    }, 60_000).catch((err: Error) => {
      throw new Error(`${err.message}; the hub wrote: ${hubLog.slice(-2000)}`);
    });
  });

  after(async () => {
    if (hub && hub.exitCode === null) {
      const exited = new Promise((r) => hub!.once('exit', r));
      hub.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (hub.exitCode === null) hub.kill('SIGKILL');
    }
    for (const c of upConfigs.reverse()) await inNs(c.ns, 'wg-quick', ['down', c.file]);
    if (homeNetns) await unitCommand('porchlight-wg.service', 'ExecStop');
    // Whatever wg-quick down did not end (a test that failed half-way): by pid, only ours.
    for (const pid of wireguardGoPids(ifname.phone)) process.kill(pid, 'SIGTERM');
    rmSync(`/run/wireguard/${ifname.phone}.sock`, { force: true });
    if (homeNetns) for (const pid of wireguardGoPids(ifname.home, homeNetns)) process.kill(pid, 'SIGTERM');
    for (const name of created) await run('ip', ['netns', 'delete', name]);
  });

  it('before any peer: the phone reaches the home over the internet, but not the hub', async () => {
    const underlayHub = await phoneFetch(`https://${underlay.home}/`);
    assert.notEqual(underlayHub.code, 0, 'the hub must not be reachable except through the tunnel');
    const noTunnel = await phoneFetch(`https://${tunnel.address}/api/setup`);
    assert.notEqual(noTunnel.code, 0, 'no route to the tunnel address before the phone joins');
  });

  it('a phone added with "porchlight remote add" loads the page and the API through the tunnel, split tunnel only', async () => {
    const added = await cli(['remote', 'add', 'phone', '--no-qr']);
    assert.equal(added.code, 0, added.stderr);
    phoneConfig = added.stdout;
    assert.match(phoneConfig, /^PrivateKey = [A-Za-z0-9+/]{43}=$/m);
    assert.match(phoneConfig, new RegExp(`^AllowedIPs = ${tunnel.address.replace(/\./g, '\\.')}/32$`, 'm'), 'only the hub goes through the tunnel');
    assert.match(phoneConfig, new RegExp(`^Endpoint = ${underlay.home.replace(/\./g, '\\.')}:51820$`, 'm'));
    const saved = readFileSync(hubConf(), 'utf8');
    assert.ok(!saved.includes(/^PrivateKey = (.*)$/m.exec(phoneConfig)![1]!), "the phone's private key is kept nowhere on the hub");

    // As the WireGuard app would: the printed config, brought up unchanged.
    const phoneConf = path.join(tmp.dir, `${ifname.phone}.conf`);
    writeFileSync(phoneConf, phoneConfig, { mode: 0o600 });
    const up = await inNs(ns.phone, 'wg-quick', ['up', phoneConf]);
    assert.equal(up.code, 0, up.stderr);
    upConfigs.push({ ns: ns.phone, file: phoneConf, ifname: ifname.phone });

    const page = await phoneFetch(`https://${tunnel.address}/`);
    assert.equal(page.code, 0, `the page through the tunnel: ${page.stderr}`);
    assert.match(page.stdout, /<html/i);
    assert.match(page.stdout, /\n200$/);
    const api = await phoneFetch(`https://${tunnel.address}/api/setup`);
    assert.equal(api.code, 0, api.stderr);
    assert.match(api.stdout, /\n200$/);
    assert.equal(JSON.parse(api.stdout.replace(/\n200$/, '')).needed, false, 'the hub has its owner');

    // The phone's other traffic stays off the tunnel: its route to the hub is the only one via WireGuard.
    const routes = (await must('ip', ['-n', ns.phone, 'route', 'show', 'dev', ifname.phone])).trim().split('\n');
    assert.deepEqual(routes.map((r) => r.split(' ')[0]), [tunnel.address]);
  });

  it('after "porchlight remote revoke" the same phone, same config, reaches nothing', async () => {
    const revoked = await cli(['remote', 'revoke', 'phone']);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.match(revoked.stdout, /removed from the running interface too/);
    assert.ok(!readFileSync(hubConf(), 'utf8').includes('[Peer]'), 'gone from the saved config too');

    const page = await phoneFetch(`https://${tunnel.address}/`);
    assert.equal(page.code, 28, `the request must go unanswered (curl timed out), got ${page.code}: ${page.stdout}${page.stderr}`);
    const api = await phoneFetch(`https://${tunnel.address}/api/setup`);
    assert.equal(api.code, 28);
  });

  it("a peer added by the hub itself (the page; no CAP_NET_ADMIN) opens the tunnel once porchlight-wg-reload's command applies the saved config", async () => {
    // What the Remote access page's route does. This process is outside the home's namespaces,
    // so, like a hub without CAP_NET_ADMIN, it saves the peer and cannot tell the interface.
    const state = await openHubState(dataDir);
    const added = await addRemotePeer(state.db, dataDir, 'laptop', 'user:owner', Date.now()).finally(() => state.db.close());
    assert.equal(added.appliedLive, false);

    const phoneConf = path.join(tmp.dir, `${ifname.phone}.conf`);
    await must('ip', ['netns', 'exec', ns.phone, 'wg-quick', 'down', phoneConf]);
    writeFileSync(phoneConf, added.config, { mode: 0o600 });
    await must('ip', ['netns', 'exec', ns.phone, 'wg-quick', 'up', phoneConf]);
    assert.equal((await phoneFetch(`https://${tunnel.address}/api/setup`)).code, 28, 'saved but not yet applied: the live interface does not know the laptop');

    // The unit's own command lines, pointed at this test's data dir.
    const reload = await reloadWg();
    assert.equal(reload.pre.code, 0, reload.pre.stderr);
    assert.equal(reload.start?.code, 0, reload.start?.stderr);

    const api = await phoneFetch(`https://${tunnel.address}/api/setup`);
    assert.equal(api.code, 0, api.stderr);
    assert.match(api.stdout, /\n200$/);
  });

  it("a config the hub's user rewrote with PostUp, PreUp, Table or a 0.0.0.0/0 peer: both units refuse it and root runs none of it", async () => {
    const pwned = `/tmp/pwned-${randomBytes(6).toString('hex')}`;
    const good = readFileSync(hubConf(), 'utf8');
    const checked = readFileSync(path.join(runWg, 'porchlight.conf'), 'utf8');
    const inInterface = (line: string) => good.replace(/^(ListenPort = .*)$/m, `$1\n${line}`);
    const someKey = (await must('wg', ['genkey'])).trim();
    const attacks: Record<string, string> = {
      PostUp: inInterface(`PostUp = touch ${pwned}`),
      PreUp: inInterface(`PreUp = touch ${pwned}`),
      postdown: inInterface(`postdown = touch ${pwned}`),
      Table: inInterface('Table = 1234'),
      'a peer for the whole internet': `${good}\n[Peer]\nPublicKey = ${(await must('/bin/sh', ['-c', `echo ${someKey} | wg pubkey`])).trim()}\nAllowedIPs = 0.0.0.0/0\n`,
    };
    for (const [what, text] of Object.entries(attacks)) {
      // The attacker's move: code running as the hub's user rewrites the file it owns.
      writeFileSync(hubConf(), text, { mode: 0o600 });
      // The hub's next peer change sets off the reload unit; an owner's restart runs the whole unit.
      const reload = await reloadWg();
      assert.notEqual(reload.pre.code, 0, `${what}: the reload unit's check must refuse it`);
      assert.match(reload.pre.stderr, /porchlight-wg-check: .* line \d+: /, what);
      assert.equal(reload.start, null);
      assert.equal(readFileSync(path.join(runWg, 'porchlight.conf'), 'utf8'), checked, `${what}: the checked copy root reads is unchanged`);
    }
    assert.equal((await unitCommand('porchlight-wg.service', 'ExecStop')).code, 0);
    const restart = await startWg();
    assert.notEqual(restart.pre.code, 0, 'porchlight-wg.service must refuse to start from it');
    assert.equal(restart.start, null);

    assert.ok(!existsSync(pwned), `root ran a command from the hub user's file: ${pwned} exists`);
    assert.equal((await must('ip', ['-n', ns.home, 'route', 'show', 'table', 'all', 'default'])).trim(), '', 'no route from the refused file');

    // Porchlight rewrites the file from its database: the unit starts again.
    const state = await openHubState(dataDir);
    await writeHubConfig(state.db, dataDir).finally(() => state.db.close());
    const up = await startWg();
    assert.equal(up.pre.code, 0, up.pre.stderr);
    assert.equal(up.start?.code, 0, up.start?.stderr);
  });
});

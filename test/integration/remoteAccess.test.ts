import { strict as assert } from 'node:assert';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { openHubState } from '../../hub/hub';
import { addRemotePeer, remoteTunnelAddress } from '../../hub/remoteAccess';
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

/** The wireguard-go daemons serving `ifname` (wg-quick starts them in the background, so they are found by their exact command line). */
function wireguardGoPids(ifname: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
      if (argv.length === 2 && path.basename(argv[0]!) === 'wireguard-go' && argv[1] === ifname) pids.push(Number(entry));
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
  // Interface names are global to the UAPI sockets in /var/run/wireguard: unique per run.
  const ifname = { home: `plh${tag}`, phone: `plp${tag}` };
  const underlay = { home: '192.168.251.1', phone: '192.168.251.2' };
  const created: string[] = [];
  const upConfigs: Array<{ ns: string; file: string; ifname: string }> = [];
  let hub: ChildProcess | null = null;
  let hubLog = '';
  let dataDir = '';
  let tunnel: { address: string; subnet: string };
  let phoneConfig = '';

  const inNs = (name: string, cmd: string, args: string[], timeoutMs?: number) => run('ip', ['netns', 'exec', name, cmd, ...args], timeoutMs);
  const cli = (args: string[]) => inNs(ns.home, process.execPath, cliLauncherArgs([...args, '--data', dataDir]));
  /**
   * What the phone gets from the hub at `url`: curl's exit code (0, or 7 refused, 28 timed out)
   * and the body. The phone trusts the household CA, which signs the certificate browsers get.
   */
  const phoneFetch = (url: string) =>
    inNs(ns.phone, 'curl', ['--silent', '--show-error', '--max-time', '8', '--cacert', path.join(dataDir, 'tls', 'household-ca.crt'), '--write-out', '\n%{http_code}', url], 20_000);

  before(async function () {
    if (process.getuid?.() !== 0) skipBecause(this, 'network namespaces and WireGuard interfaces need root');
    for (const tool of ['ip', 'wg', 'wg-quick', 'wireguard-go', 'curl']) {
      if (!haveTool(tool)) skipBecause(this, `${tool} is not installed (scripts/test-setup.sh installs wireguard-tools and wireguard-go)`);
    }
    if (!existsSync('/dev/net/tun')) skipBecause(this, 'no /dev/net/tun: wireguard-go needs it');

    for (const name of [ns.home, ns.phone]) {
      await must('ip', ['netns', 'add', name]);
      created.push(name);
      await must('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    }
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
    const setup = await cli(['remote', 'setup', '--endpoint', underlay.home, '--interface', ifname.home]);
    assert.equal(setup.code, 0, setup.stderr);
    const db = (await openHubState(dataDir)).db;
    tunnel = remoteTunnelAddress(db)!;
    db.close();

    // What porchlight-wg.service runs.
    const hubConf = path.join(dataDir, 'wireguard', `${ifname.home}.conf`);
    const up = await inNs(ns.home, 'wg-quick', ['up', hubConf]);
    assert.equal(up.code, 0, up.stderr);
    upConfigs.push({ ns: ns.home, file: hubConf, ifname: ifname.home });

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
    // Whatever wg-quick down did not end (a test that failed half-way): by pid, only ours.
    for (const name of [ifname.home, ifname.phone]) {
      for (const pid of wireguardGoPids(name)) process.kill(pid, 'SIGTERM');
      rmSync(`/var/run/wireguard/${name}.sock`, { force: true });
    }
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
    const saved = readFileSync(path.join(dataDir, 'wireguard', `${ifname.home}.conf`), 'utf8');
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
    assert.ok(!readFileSync(path.join(dataDir, 'wireguard', `${ifname.home}.conf`), 'utf8').includes('[Peer]'), 'gone from the saved config too');

    const page = await phoneFetch(`https://${tunnel.address}/`);
    assert.equal(page.code, 28, `the request must go unanswered (curl timed out), got ${page.code}: ${page.stdout}${page.stderr}`);
    const api = await phoneFetch(`https://${tunnel.address}/api/setup`);
    assert.equal(api.code, 28);
  });

  it("a peer added by the hub itself (the page; no CAP_NET_ADMIN) opens the tunnel once porchlight-wg's reload command applies the saved config", async () => {
    // What the Remote access page's route does. This test runs as root and a wireguard-go
    // interface answers on its socket from any namespace, so the peer went live at once; take it
    // off the live interface again, leaving what a hub without CAP_NET_ADMIN leaves: the peer
    // saved, the interface not told.
    const state = await openHubState(dataDir);
    const added = await addRemotePeer(state.db, dataDir, 'laptop', 'user:owner', Date.now()).finally(() => state.db.close());
    await must('ip', ['netns', 'exec', ns.home, 'wg', 'set', ifname.home, 'peer', added.peer.publicKey, 'remove']);

    const phoneConf = path.join(tmp.dir, `${ifname.phone}.conf`);
    await must('ip', ['netns', 'exec', ns.phone, 'wg-quick', 'down', phoneConf]);
    writeFileSync(phoneConf, added.config, { mode: 0o600 });
    await must('ip', ['netns', 'exec', ns.phone, 'wg-quick', 'up', phoneConf]);
    assert.equal((await phoneFetch(`https://${tunnel.address}/api/setup`)).code, 28, 'saved but not yet applied: the live interface does not know the laptop');

    // The unit's own command line (porchlight-wg-reload.service reloads porchlight-wg.service
    // when the file changes), pointed at this test's data dir and interface.
    const unit = readFileSync(path.join(REPO_DIR, 'systemd', 'porchlight-wg.service'), 'utf8');
    const command = /^ExecReload=\/bin\/bash -c '(.*)'$/m.exec(unit)![1]!
      .replaceAll('/var/lib/porchlight/hub', dataDir)
      .replaceAll('wireguard/porchlight.conf', `wireguard/${ifname.home}.conf`)
      .replace('syncconf porchlight ', `syncconf ${ifname.home} `);
    await must('ip', ['netns', 'exec', ns.home, '/bin/bash', '-c', command]);

    const api = await phoneFetch(`https://${tunnel.address}/api/setup`);
    assert.equal(api.code, 0, api.stderr);
    assert.match(api.stdout, /\n200$/);
  });
});

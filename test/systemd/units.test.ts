import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { AGENT_NODE_FLAGS } from '../../camera-agent/nodeFlags';
import { DEFAULT_INTERFACE } from '../../common/api/remote';
import { remoteFiles } from '../../hub/remoteAccess';
import { REPO_DIR } from '../helpers/repo';
import { skipBecause } from '../helpers/skip';
import { useTempDir } from '../helpers/tmp';

/*
 * The unit files as systemd itself reads them: `systemd-analyze verify` and
 * `systemd-analyze security --offline`, in a temp tree that stands in for / (--root) so
 * that nothing needs to be installed on the machine running the tests.
 */

const REPO = REPO_DIR;
const SYSTEMD_DIR = path.join(REPO, 'systemd');
const UNITS = ['porchlight.target', 'porchlight-hub.service', 'porchlight-relay.service', 'porchlight-agent@.service'];
const SERVICES = ['porchlight-hub.service', 'porchlight-relay.service', 'porchlight-agent@frontdoor.service'];
/** Remote access: root's half of WireGuard (docs/remote.md). */
const WG_UNITS = ['porchlight-wg.service', 'porchlight-wg-reload.path', 'porchlight-wg-reload.service'];

function unit(name: string): string {
  return readFileSync(path.join(SYSTEMD_DIR, name), 'utf8');
}

/** Every value of a directive in a unit file, in order. */
function values(text: string, key: string): string[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${key}=`))
    .map((l) => l.slice(key.length + 1));
}

/** A tree with systemd's own units, Porchlight's units, and the program they start. */
function makeRoot(dir: string): string {
  const root = path.join(dir, 'root');
  mkdirSync(path.join(root, 'usr/lib/systemd'), { recursive: true });
  cpSync('/usr/lib/systemd/system', path.join(root, 'usr/lib/systemd/system'), { recursive: true, verbatimSymlinks: true });
  mkdirSync(path.join(root, 'usr/local/lib/systemd/system'), { recursive: true });
  for (const u of [...UNITS, ...WG_UNITS]) cpSync(path.join(SYSTEMD_DIR, u), path.join(root, 'usr/local/lib/systemd/system', u));
  mkdirSync(path.join(root, 'opt/porchlight/bin'), { recursive: true });
  writeFileSync(path.join(root, 'opt/porchlight/bin/porchlight.js'), '#!/usr/bin/env node\n');
  chmodSync(path.join(root, 'opt/porchlight/bin/porchlight.js'), 0o755);
  // The agent's unit starts node through env, to give Node its options.
  mkdirSync(path.join(root, 'usr/bin'), { recursive: true });
  cpSync('/usr/bin/env', path.join(root, 'usr/bin/env'));
  // What the WireGuard units run: verify checks that each command exists and is executable.
  mkdirSync(path.join(root, 'bin'), { recursive: true });
  for (const tool of ['usr/bin/wg', 'usr/bin/wg-quick', 'bin/bash', 'bin/sh', 'bin/systemctl']) {
    writeFileSync(path.join(root, tool), '#!/bin/sh\n');
    chmodSync(path.join(root, tool), 0o755);
  }
  return root;
}

/** The exposure figures docs/install.md records, by unit. */
function documentedExposure(): Map<string, number> {
  const doc = readFileSync(path.join(REPO, 'docs', 'install.md'), 'utf8');
  const out = new Map<string, number>();
  for (const m of doc.matchAll(/^\|\s*`(porchlight-[^`]+\.service)`\s*\|\s*([\d.]+)\s*\|/gm)) out.set(m[1]!, Number(m[2]));
  return out;
}

describe('systemd units', function () {
  this.timeout(120_000);
  const tmp = useTempDir('porchlight-units-');

  before(function () {
    if (spawnSync('systemd-analyze', ['--version']).status !== 0 || !existsSync('/usr/lib/systemd/system/sysinit.target')) {
      skipBecause(this, "systemd-analyze or systemd's own units are not on this machine");
    }
  });

  it('pass systemd-analyze verify, with no warning about any Porchlight unit', () => {
    const root = makeRoot(tmp.dir);
    for (const u of ['porchlight.target', ...SERVICES, ...WG_UNITS]) {
      const r = spawnSync('systemd-analyze', ['verify', `--root=${root}`, u], { encoding: 'utf8' });
      const about = `${r.stdout}${r.stderr}`.split('\n').filter((l) => l.includes('porchlight'));
      assert.equal(r.status, 0, `${u}: ${r.stderr}`);
      // verify exits 0 even for an unknown or misspelt directive: it only warns.
      assert.deepEqual(about, [], `${u}: ${about.join('\n')}`);
    }
  });

  it('have the exposure docs/install.md records, each at most 2.0 ("OK")', () => {
    const root = makeRoot(tmp.dir);
    const documented = documentedExposure();
    for (const u of SERVICES) {
      const out = execFileSync('systemd-analyze', ['security', '--offline=true', `--root=${root}`, '--no-pager', u], { encoding: 'utf8' });
      const m = /Overall exposure level for \S+: ([\d.]+)/.exec(out);
      assert.ok(m, out);
      const exposure = Number(m[1]);
      assert.ok(exposure <= 2.0, `${u}: exposure ${exposure}`);
      assert.equal(documented.get(u), exposure, `docs/install.md records ${documented.get(u)} for ${u}, systemd-analyze says ${exposure}`);
    }
  });

  it('are notify services with a watchdog, restart limits, and agents and relay ordered after the hub', () => {
    for (const u of UNITS.filter((x) => x.endsWith('.service'))) {
      const text = unit(u);
      assert.deepEqual(values(text, 'Type'), ['notify'], u);
      assert.deepEqual(values(text, 'NotifyAccess'), ['all'], `${u}: systemd-notify is a child of the service`);
      assert.equal(values(text, 'WatchdogSec').length, 1, u);
      assert.deepEqual(values(text, 'Restart'), ['on-failure'], u);
      assert.ok(values(text, 'StartLimitBurst').length === 1 && values(text, 'StartLimitIntervalSec').length === 1, u);
      assert.deepEqual(values(text, 'PartOf'), ['porchlight.target'], u);
      // Every service in the hub's group: the relay reaches the hub's data through it.
      assert.deepEqual(values(text, 'Group'), ['porchlight'], u);
    }
    for (const u of ['porchlight-hub.service', 'porchlight-agent@.service']) assert.deepEqual(values(unit(u), 'User'), ['porchlight'], u);
    for (const u of ['porchlight-relay.service', 'porchlight-agent@.service']) {
      assert.ok(values(unit(u), 'After').join(' ').split(/\s+/).includes('porchlight-hub.service'), u);
      // Ordered, not bound: a hub restart must not stop a camera recording into its spool.
      assert.ok(!/^(Requires|BindsTo)=.*porchlight-hub/m.test(unit(u)), u);
    }
  });

  it("run the relay, which talks to the internet, as its own user in the hub's group, so that a relay taken over cannot read the hub's secret keys", () => {
    const relay = unit('porchlight-relay.service');
    assert.deepEqual(values(relay, 'User'), ['porchlight-relay']);
    assert.deepEqual(values(relay, 'Group'), ['porchlight']);
    // What it makes (the default cloud folder) the hub reads for a restore; others nothing.
    assert.deepEqual(values(relay, 'UMask'), ['0027']);
    assert.deepEqual(values(unit('porchlight-hub.service'), 'UMask'), ['0077'], 'the hub gives its group only what it chooses to (hub/dataDirModes.ts)');
    // The account the unit names is one the install makes, in the hub's group.
    const sysusers = readFileSync(path.join(SYSTEMD_DIR, 'porchlight.sysusers'), 'utf8');
    assert.match(sysusers, /^u porchlight-relay -:porchlight "[^"]+" - \/usr\/sbin\/nologin$/m);
  });

  it('run each camera agent with the Node options the benchmarks measured it with', () => {
    const [exec] = values(unit('porchlight-agent@.service'), 'ExecStart');
    const words = exec!.split(/\s+/);
    assert.deepEqual(words.slice(0, 2), ['/usr/bin/env', 'node']);
    assert.deepEqual(words.slice(2, 2 + AGENT_NODE_FLAGS.length), [...AGENT_NODE_FLAGS]);
    assert.deepEqual(words.slice(2 + AGENT_NODE_FLAGS.length, 5 + AGENT_NODE_FLAGS.length), ['/opt/porchlight/bin/porchlight.js', 'agent', 'run']);
    // Node refuses an option it does not know: the flags must start this Node.
    const run = spawnSync(process.execPath, [...AGENT_NODE_FLAGS, '-e', 'process.exit(0)']);
    assert.equal(run.status, 0, run.stderr.toString());
  });

  it('give capabilities and devices only where needed', () => {
    const hub = unit('porchlight-hub.service');
    assert.deepEqual(values(hub, 'CapabilityBoundingSet'), ['CAP_NET_BIND_SERVICE']);
    for (const u of ['porchlight-relay.service', 'porchlight-agent@.service']) assert.deepEqual(values(unit(u), 'CapabilityBoundingSet'), [''], u);
    const agent = unit('porchlight-agent@.service');
    assert.deepEqual(values(agent, 'DeviceAllow'), ['char-video4linux rw', 'char-gpiochip rw']);
    assert.deepEqual(values(agent, 'DevicePolicy'), ['closed']);
    for (const u of ['porchlight-hub.service', 'porchlight-relay.service']) assert.deepEqual(values(unit(u), 'PrivateDevices'), ['yes'], u);
    for (const u of UNITS.filter((x) => x.endsWith('.service'))) {
      const text = unit(u);
      for (const [k, v] of [['ProtectSystem', 'strict'], ['ProtectHome', 'yes'], ['PrivateTmp', 'yes'], ['NoNewPrivileges', 'yes']]) assert.deepEqual(values(text, k!), [v], `${u} ${k}`);
      assert.ok(values(text, 'SystemCallFilter').includes('@system-service'), u);
      assert.ok(values(text, 'ReadWritePaths')[0]!.startsWith('/var/lib/porchlight/'), u);
      assert.equal(values(text, 'MemoryMax').length, 1, u);
    }
  });

  it('bring remote access up with the first WireGuard config the hub writes and follow its changes, as root, the hub holding no CAP_NET_ADMIN', () => {
    // The file the hub writes, with the installed config's dataDir and the default interface.
    const dataDir = /^dataDir: (.*)$/m.exec(unit('porchlight.example.yaml'))![1]!;
    const conf = remoteFiles(dataDir, DEFAULT_INTERFACE).config;
    const wg = unit('porchlight-wg.service');
    const watch = unit('porchlight-wg-reload.path');
    const reload = unit('porchlight-wg-reload.service');
    // Skipped, not failed, until remote access is set up; from then on it starts at boot.
    assert.deepEqual(values(wg, 'ConditionPathExists'), [conf]);
    assert.deepEqual(values(wg, 'WantedBy'), ['multi-user.target']);
    // Root never reads the hub's file itself, only the copy porchlight-wg-check made of it.
    const checked = '/run/porchlight-wg/porchlight.conf';
    const check = `/bin/sh /opt/porchlight/systemd/porchlight-wg-check ${conf} ${checked}`;
    assert.deepEqual(values(wg, 'ExecStartPre'), [check]);
    assert.deepEqual(values(wg, 'ExecStart'), [`/usr/bin/wg-quick up ${checked}`]);
    assert.deepEqual(values(wg, 'ExecStop'), [`/usr/bin/wg-quick down ${checked}`]);
    assert.deepEqual(values(wg, 'RemainAfterExit'), ['yes'], 'active while the interface is up, so a reload reaches it');
    // A change to the file reloads the interface in place (no session dropped) ...
    assert.deepEqual(values(wg, 'ExecReload'), [check, `/bin/bash -c 'exec /usr/bin/wg syncconf ${DEFAULT_INTERFACE} <(exec /usr/bin/wg-quick strip ${checked})'`]);
    // ... and its first appearance starts it: reload-or-restart starts a unit that is not running.
    assert.deepEqual(values(watch, 'PathChanged'), [conf]);
    assert.deepEqual(values(watch, 'Unit'), ['porchlight-wg-reload.service']);
    assert.deepEqual(values(watch, 'WantedBy'), ['paths.target'], 'watching from boot, not only once the tunnel is up');
    assert.deepEqual(values(reload, 'ExecStart'), ['/bin/systemctl reload-or-restart porchlight-wg.service']);
    assert.ok(!/^(Requisite|Requires|BindsTo)=/m.test(reload), 'the reload must run when the tunnel is not up yet');
    // Root's two wireguard-tools commands; the hub stays without the capability.
    assert.ok(!unit('porchlight-hub.service').includes('CAP_NET_ADMIN'));
    assert.deepEqual(values(wg, 'User'), []);
  });
});

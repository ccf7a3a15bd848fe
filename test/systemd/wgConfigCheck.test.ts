import { strict as assert } from 'node:assert';
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { openHubState } from '../../hub/hub';
import { addRemotePeer, remoteFiles, setupRemote } from '../../hub/remoteAccess';
import { REPO_DIR } from '../helpers/repo';
import { skipBecause } from '../helpers/skip';
import { useTempDir } from '../helpers/tmp';

/*
 * systemd/porchlight-wg-check, which porchlight-wg.service runs before it starts and before it reloads
 * as root before wg-quick reads the config the hub's user writes (docs/security.md): it takes
 * exactly what Porchlight writes and nothing else. Here it runs alone, as any user; the
 * namespace test (integration/remoteAccess.test.ts) runs it through the units' own lines as
 * root, with wg-quick after it.
 */

const CHECKER = path.join(REPO_DIR, 'systemd', 'porchlight-wg-check');

/** Runs the checker, in network namespace `netns` when given; killed (code -1) after 10 s. */
function check(source: string, dest: string, netns?: string): Promise<{ code: number; stderr: string }> {
  const [cmd, args] = netns === undefined ? ['/bin/sh', [CHECKER, source, dest]] : ['ip', ['netns', 'exec', netns, '/bin/sh', CHECKER, source, dest]];
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 10_000 }, (err, _out, stderr) =>
      resolve({ code: err ? (err.killed ? -1 : typeof err.code === 'number' ? err.code : 1) : 0, stderr }),
    );
  });
}

/** `config` with its tunnel moved to `prefix` (e.g. "10.77.5."): Address and every AllowedIPs. */
function inTunnel(config: string, prefix: string): string {
  const old = /^Address = (\d+\.\d+\.\d+\.)1\/24$/m.exec(config)![1]!;
  return config.split(old).join(prefix);
}

describe('porchlight-wg-check: root reads only what Porchlight writes', function () {
  this.timeout(60_000);
  const tmp = useTempDir();
  let source = '';
  let dest = '';
  let good = '';
  const pwned = `/tmp/pwned-${randomBytes(6).toString('hex')}`;

  before(function () {
    try {
      execFileSync('wg', ['--version'], { stdio: 'ignore' });
    } catch {
      skipBecause(this, "wg is not installed (Debian's wireguard-tools; scripts/setup.sh installs it)");
    }
  });
  beforeEach(async () => {
    const { db } = await openHubState(tmp.dir);
    try {
      await setupRemote(db, tmp.dir, { endpoint: 'home.example.net', listenPort: 40000 });
      await addRemotePeer(db, tmp.dir, "Anna's phone", 'cli', 1);
      await addRemotePeer(db, tmp.dir, 'laptop', 'cli', 2);
    } finally {
      db.close();
    }
    source = remoteFiles(tmp.dir, 'porchlight').config;
    dest = path.join(tmp.dir, 'run', 'porchlight.conf');
    good = readFileSync(source, 'utf8');
  });

  it('passes the config Porchlight writes through unchanged, into a folder only root reads', async () => {
    const r = await check(source, dest);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(dest, 'utf8'), good);
    assert.equal(statSync(dest).mode & 0o777, 0o600);
    assert.equal(statSync(path.dirname(dest)).mode & 0o777, 0o700);
  });

  it("refuses every line wg-quick would act on as root beyond Porchlight's own, keeping the copy it checked before", async () => {
    assert.equal((await check(source, dest)).code, 0);
    const inInterface = (line: string) => good.replace(/^(ListenPort = .*)$/m, `$1\n${line}`);
    const inFirstPeer = (line: string) => good.replace(/^(PublicKey = .*)$/m, `$1\n${line}`);
    const prefix = /^Address = (\d+\.\d+\.\d+\.)1\/24$/m.exec(good)![1]!;
    const attacks: Record<string, string> = {
      PostUp: inInterface(`PostUp = touch ${pwned}`),
      PreUp: inInterface(`PreUp = touch ${pwned}`),
      'PostDown in lower case (wg-quick matches keys in any case)': inInterface(`postdown = touch ${pwned}`),
      'PreDown with other spacing': inInterface(`PreDown=touch ${pwned}`),
      Table: inInterface('Table = 1234'),
      DNS: inInterface('DNS = 1.1.1.1'),
      'SaveConfig (wg-quick would write the file as root)': inInterface('SaveConfig = true'),
      'a second Address': inInterface('Address = 10.1.2.1/24'),
      'a public Address': good.replace(/^Address = .*$/m, 'Address = 8.8.8.1/24'),
      'ListenPort 53 (a privileged port: DNS)': good.replace(/^ListenPort = .*$/m, 'ListenPort = 53'),
      'ListenPort 1023': good.replace(/^ListenPort = .*$/m, 'ListenPort = 1023'),
      'AllowedIPs for the whole internet': good.replace(/^AllowedIPs = .*$/m, 'AllowedIPs = 0.0.0.0/0'),
      'AllowedIPs outside the tunnel': good.replace(/^AllowedIPs = .*$/m, 'AllowedIPs = 192.168.1.10/32'),
      'AllowedIPs as the hub itself': good.replace(/^AllowedIPs = .*$/m, `AllowedIPs = ${prefix}1/32`),
      'two AllowedIPs in one line': good.replace(/^AllowedIPs = (.*)$/m, 'AllowedIPs = $1, 0.0.0.0/0'),
      Endpoint: inFirstPeer('Endpoint = 203.0.113.9:51820'),
      'a peer without AllowedIPs': good.replace(/^AllowedIPs = .*\n/m, ''),
      'PostUp after a carriage return': good.replace(/^(ListenPort = \d+)$/m, `$1\r\nPostUp = touch ${pwned}`),
      'PostUp after a NUL': good.replace(/^(# Written.*)$/m, `$1\0\nPostUp = touch ${pwned}`),
      'not a key': good.replace(/^PrivateKey = .*$/m, 'PrivateKey = $(touch /tmp/x)'),
      'no [Interface]': good.replace('[Interface]\n', ''),
      '[Peer] first': `[Peer]\n${good}`,
      empty: '',
    };
    for (const [what, text] of Object.entries(attacks)) {
      writeFileSync(source, text, { mode: 0o600 });
      const r = await check(source, dest);
      assert.equal(r.code, 1, `${what}: must be refused`);
      assert.match(r.stderr, /^porchlight-wg-check: /, what);
      assert.ok(!r.stderr.includes('PrivateKey = '), `${what}: the refusal must not print the file's lines`);
      assert.equal(readFileSync(dest, 'utf8'), good, `${what}: the checked copy must stay as it was`);
    }
    assert.ok(!existsSync(pwned));
  });

  it('names the line and key it refuses', async () => {
    writeFileSync(source, good.replace(/^(ListenPort = .*)$/m, `$1\nPostUp = touch ${pwned}`));
    const r = await check(source, dest);
    assert.match(r.stderr, /line 5: "PostUp" is not something Porchlight writes/);
    assert.ok(!existsSync(dest), 'nothing for wg-quick to read');
  });

  it('refuses a source that is a symlink or not a file', async () => {
    const link = path.join(tmp.dir, 'link.conf');
    execFileSync('ln', ['-s', source, link]);
    assert.equal((await check(link, dest)).code, 1);
    assert.equal((await check(tmp.dir, dest)).code, 1);
  });

  it('refuses a FIFO as the source at once instead of hanging the start', async () => {
    const fifo = path.join(tmp.dir, 'fifo.conf');
    execFileSync('mkfifo', [fifo]);
    const started = Date.now();
    const r = await check(fifo, dest);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(Date.now() - started < 5000, 'refused within seconds');
    assert.ok(!existsSync(dest));
  });

  it('refuses a wireguard/ folder that is a symlink (the hub user pointing root elsewhere)', async () => {
    const real = path.join(tmp.dir, 'elsewhere');
    renameSync(path.dirname(source), real);
    symlinkSync(real, path.dirname(source));
    const r = await check(source, dest);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /is a symlink/);
    assert.ok(!existsSync(dest));
  });

  describe('an Address overlapping a network already on the machine', function () {
    const netns = `plwgc${randomBytes(3).toString('hex')}`;
    let made = false;
    const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });

    before(function () {
      if (process.getuid?.() !== 0) skipBecause(this, 'needs root to make a network namespace with a home LAN in it');
      // A home whose LAN is 10.77.5.0/24 (router .1, hub .2), a VPN route for 192.168.0.0/16, and
      // the tunnel's own interface "porchlight" already up on 10.99.0.1/24 (a reload).
      ip('netns', 'add', netns);
      made = true;
      // veth pairs: every kernel with namespaces has them, unlike the dummy module.
      ip('-n', netns, 'link', 'add', 'lan0', 'type', 'veth', 'peer', 'name', 'lan1');
      ip('-n', netns, 'addr', 'add', '10.77.5.2/24', 'dev', 'lan0');
      ip('-n', netns, 'link', 'set', 'lan1', 'up');
      ip('-n', netns, 'link', 'set', 'lan0', 'up');
      ip('-n', netns, 'route', 'add', '192.168.0.0/16', 'dev', 'lan0');
      ip('-n', netns, 'route', 'add', 'default', 'via', '10.77.5.1');
      ip('-n', netns, 'link', 'add', 'porchlight', 'type', 'veth', 'peer', 'name', 'pl1');
      ip('-n', netns, 'addr', 'add', '10.99.0.1/24', 'dev', 'porchlight');
      ip('-n', netns, 'link', 'set', 'porchlight', 'up');
    });
    after(() => {
      if (made) ip('netns', 'delete', netns);
    });

    it("refuses the home LAN's /24 (the router's .1 would become the hub's) and a /24 inside a wider route", async () => {
      for (const [what, prefix] of [
        ['the LAN', '10.77.5.'],
        ['inside the 192.168.0.0/16 route', '192.168.44.'],
      ] as const) {
        writeFileSync(source, inTunnel(good, prefix));
        const r = await check(source, dest, netns);
        assert.equal(r.code, 1, `${what}: must be refused`);
        assert.match(r.stderr, /overlaps .* already on this machine/, what);
        assert.ok(!existsSync(dest), `${what}: nothing for wg-quick to read`);
      }
    });

    it('accepts a free /24 and the one the running tunnel already has (default route aside)', async () => {
      for (const prefix of ['10.88.1.', '10.99.0.']) {
        const text = inTunnel(good, prefix);
        writeFileSync(source, text);
        const r = await check(source, dest, netns);
        assert.equal(r.code, 0, `${prefix}0/24: ${r.stderr}`);
        assert.equal(readFileSync(dest, 'utf8'), text);
      }
    });
  });
});

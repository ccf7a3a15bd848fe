import { strict as assert } from 'node:assert';
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
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

function check(source: string, dest: string): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile('/bin/sh', [CHECKER, source, dest], (err, _out, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stderr }));
  });
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
});

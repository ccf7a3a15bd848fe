import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import { parseConfig } from '../../common/config';
import { parseServiceAccount } from '../../common/serviceAccount';
import { REPO_DIR } from '../helpers/repo';
import { skipBecause } from '../helpers/skip';
import { useTempDir } from '../helpers/tmp';

/*
 * systemd/install.sh --root DIR: the whole installation into a temp tree, with systemd's
 * own tools (systemd-sysusers, systemd-tmpfiles, systemctl --root) doing the work they do
 * on a Pi. The program installed is a small stand-in checkout, so the test stays quick.
 */

const REPO = REPO_DIR;
const INSTALL = path.join(REPO, 'systemd', 'install.sh');

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function install(...args: string[]): Run {
  const r = spawnSync('sh', [INSTALL, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A built checkout in miniature: what install.sh copies. */
function fakeCheckout(dir: string): string {
  const from = path.join(dir, 'checkout');
  for (const d of ['bin', 'dist/cli', 'node_modules/some-lib', 'docs']) mkdirSync(path.join(from, d), { recursive: true });
  writeFileSync(path.join(from, 'package.json'), '{"name":"porchlight"}\n');
  // The stand-in CLI answers `config get` as the real one does for a config naming the relay's
  // S3 credentials file (the real command is tested in systemd/configGet.test.ts).
  writeFileSync(
    path.join(from, 'bin/porchlight.js'),
    "#!/usr/bin/env node\nconst [c, g, , k] = process.argv.slice(2);\nif (c === 'config' && g === 'get' && k === 'relay.target.credentialsFile') console.log('/etc/porchlight/secrets/s3.yaml');\nelse process.exit(1);\n",
  );
  writeFileSync(path.join(from, 'dist/cli/main.js'), 'exports.main = async () => {};\n');
  writeFileSync(path.join(from, 'node_modules/some-lib/index.js'), '\n');
  writeFileSync(path.join(from, 'docs/install.md'), '# install\n');
  return from;
}

/** Every path in the tree with its type, mode, owner and link target: what "the same tree" means. */
function snapshot(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    const st = lstatSync(path.join(root, rel));
    const link = st.isSymbolicLink() ? ` -> ${readlinkSync(path.join(root, rel))}` : '';
    out.push(`${rel} ${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid}${link}`);
    if (st.isDirectory()) for (const e of readdirSync(path.join(root, rel)).sort()) walk(path.join(rel, e));
  };
  walk('.');
  // The lock file sysusers leaves is not part of the installation.
  return out.filter((l) => !l.startsWith('etc/.pwd.lock'));
}

function mode(file: string): string {
  return (lstatSync(file).mode & 0o7777).toString(8);
}

function owner(file: string): string {
  const st = lstatSync(file);
  return `${st.uid}:${st.gid}`;
}

describe('systemd/install.sh', function () {
  this.timeout(120_000);
  const tmp = useTempDir('porchlight-install-');

  before(function () {
    const missing = ['systemd-sysusers', 'systemd-tmpfiles', 'systemctl'].filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0);
    if (missing.length > 0 || process.getuid?.() !== 0) {
      skipBecause(this, `install.sh needs root and systemd's tools (${missing.length ? `missing ${missing.join(', ')}` : 'not root'})`);
    }
  });

  it('--root installs the whole tree: program, account, config, secrets, data directories and enabled units', () => {
    const root = path.join(tmp.dir, 'root');
    const r = install('--root', root, '--from', fakeCheckout(tmp.dir));
    assert.equal(r.status, 0, r.stderr);

    const passwd = readFileSync(path.join(root, 'etc/passwd'), 'utf8');
    const account = parseServiceAccount(passwd, readFileSync(path.join(root, 'etc/group'), 'utf8'), 'porchlight');
    assert.ok(account, 'the porchlight user exists');
    assert.match(passwd, /^porchlight:x:\d+:\d+:[^:]*:\/var\/lib\/porchlight:\/usr\/sbin\/nologin$/m);
    assert.deepEqual([...account.groups].sort(), ['gpio', 'porchlight', 'video']);
    const svc = `${account.uid}:${account.gid}`;
    // The relay's own user, whose primary group is the hub's: the unit's User= must exist.
    const relay = parseServiceAccount(passwd, readFileSync(path.join(root, 'etc/group'), 'utf8'), 'porchlight-relay');
    assert.ok(relay, 'the porchlight-relay user exists');
    assert.notEqual(relay.uid, account.uid, 'the relay is not the hub user');
    assert.equal(relay.gid, account.gid, "the relay's group is the hub's");
    assert.match(passwd, /^porchlight-relay:x:\d+:\d+:[^:]*:\/:\/usr\/sbin\/nologin$/m);

    const at = (p: string) => path.join(root, p);
    const expected: Array<[string, string, string]> = [
      ['etc/porchlight', '750', `0:${account.gid}`],
      ['etc/porchlight/porchlight.yaml', '640', `0:${account.gid}`],
      ['etc/porchlight/agents', '750', `0:${account.gid}`],
      // The relay reaches its S3 key by name (0640 in here), and lists nothing.
      ['etc/porchlight/secrets', '710', svc],
      ['var/lib/porchlight', '750', svc],
      // The relay enters it through the group; the hub keeps its secret keys 0600 inside.
      ['var/lib/porchlight/hub', '750', svc],
      ['var/lib/porchlight/hub/cloud', '750', `${relay.uid}:${account.gid}`],
      ['var/lib/porchlight/agents', '750', svc],
      ['opt/porchlight/bin/porchlight.js', '755', '0:0'],
      ['opt/porchlight/dist/cli/main.js', '644', '0:0'],
      ['usr/local/lib/systemd/system/porchlight-hub.service', '644', '0:0'],
      ['usr/local/lib/systemd/system/porchlight-agent@.service', '644', '0:0'],
      ['usr/local/lib/systemd/system/porchlight-relay.service', '644', '0:0'],
      ['usr/local/lib/systemd/system/porchlight.target', '644', '0:0'],
      ['usr/local/lib/systemd/system/porchlight-wg.service', '644', '0:0'],
      ['usr/local/lib/systemd/system/porchlight-wg-reload.path', '644', '0:0'],
      ['usr/local/lib/systemd/system/porchlight-wg-reload.service', '644', '0:0'],
      ['usr/local/lib/sysusers.d/porchlight.conf', '644', '0:0'],
      ['usr/local/lib/tmpfiles.d/porchlight.conf', '644', '0:0'],
    ];
    for (const [p, m, o] of expected) {
      assert.ok(existsSync(at(p)), `${p} exists`);
      assert.equal(mode(at(p)), m, `${p} mode`);
      assert.equal(owner(at(p)), o, `${p} owner`);
    }
    assert.equal(readlinkSync(at('usr/local/bin/porchlight')), '/opt/porchlight/bin/porchlight.js');
    const installed = readFileSync(at('etc/porchlight/porchlight.yaml'), 'utf8');
    assert.match(installed, /^dataDir: \/var\/lib\/porchlight\/hub$/m);
    // The hub and the relay read this file at their first start: it must be a valid config as installed.
    assert.equal(parseConfig(YAML.parse(installed), 'porchlight.yaml').dataDir, '/var/lib/porchlight/hub');
    assert.equal(readlinkSync(at('etc/systemd/system/multi-user.target.wants/porchlight.target')), '/usr/local/lib/systemd/system/porchlight.target');
    assert.deepEqual(readdirSync(at('etc/systemd/system/porchlight.target.wants')).sort(), ['porchlight-hub.service', 'porchlight-relay.service']);
    // Remote access comes up by itself once "porchlight remote setup" writes the WireGuard
    // config: the path unit watches for it from boot, and the tunnel starts at boot once it exists.
    assert.equal(readlinkSync(at('etc/systemd/system/paths.target.wants/porchlight-wg-reload.path')), '/usr/local/lib/systemd/system/porchlight-wg-reload.path');
    assert.equal(readlinkSync(at('etc/systemd/system/multi-user.target.wants/porchlight-wg.service')), '/usr/local/lib/systemd/system/porchlight-wg.service');
    assert.deepEqual(readdirSync(at('etc/systemd/system/multi-user.target.wants')).sort(), ['porchlight-wg.service', 'porchlight.target']);

    assert.match(r.stdout, /skipping system packages \(--root\)/);
    assert.match(r.stdout, /https:\/\/[^\s/]+\//, 'prints the setup URL');
    assert.match(r.stdout, /sudo -u porchlight porchlight setup code/);
  });

  it('is idempotent: a second run leaves the same tree, keeps an edited config and repairs secret modes', () => {
    const root = path.join(tmp.dir, 'root');
    const from = fakeCheckout(tmp.dir);
    assert.equal(install('--root', root, '--from', from).status, 0);
    const config = path.join(root, 'etc/porchlight/porchlight.yaml');
    writeFileSync(config, readFileSync(config, 'utf8') + '# edited by the installer\n');
    const before = snapshot(root);
    const secret = path.join(root, 'etc/porchlight/secrets/smtp-password');
    writeFileSync(secret, 'hunter2\n');
    chmodSync(secret, 0o644);
    // The relay's S3 key, made 0640 as docs/install.md says, so the relay reads it through the group.
    const s3Key = path.join(root, 'etc/porchlight/secrets/s3.yaml');
    writeFileSync(s3Key, 'accessKeyId: A\nsecretAccessKey: B\n');
    chmodSync(s3Key, 0o640);
    // An install from before the relay had its own user: the data directory 0700, the cloud
    // folder the hub user's. The relay could use neither; the next run puts them right.
    const hubDir = path.join(root, 'var/lib/porchlight/hub');
    chmodSync(hubDir, 0o700);
    const hubAccount = parseServiceAccount(readFileSync(path.join(root, 'etc/passwd'), 'utf8'), '', 'porchlight')!;
    chownSync(path.join(hubDir, 'cloud'), hubAccount.uid, hubAccount.gid);
    chmodSync(path.join(root, 'etc/porchlight/secrets'), 0o700);

    const again = install('--root', root, '--from', from);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /kept \/etc\/porchlight\/porchlight.yaml/);
    assert.match(readFileSync(config, 'utf8'), /# edited by the installer/);
    assert.deepEqual(snapshot(root).filter((l) => !/^etc\/porchlight\/secrets\/(smtp-password|s3\.yaml) /.test(l)), before);
    const account = parseServiceAccount(readFileSync(path.join(root, 'etc/passwd'), 'utf8'), '', 'porchlight')!;
    assert.equal(mode(secret), '600');
    assert.equal(owner(secret), `${account.uid}:${account.gid}`);
    assert.equal(mode(s3Key), '640', 'a secret made 0640 on purpose stays so');
    assert.equal(owner(s3Key), `${account.uid}:${account.gid}`);
    assert.equal(readFileSync(path.join(root, 'etc/passwd'), 'utf8').match(/^porchlight:/gm)?.length, 1, 'one user, not two');
    assert.equal(readFileSync(path.join(root, 'etc/passwd'), 'utf8').match(/^porchlight-relay:/gm)?.length, 1, 'one relay user, not two');
  });

  it('--uninstall removes services and program but keeps config and recordings; --purge removes those too', () => {
    const root = path.join(tmp.dir, 'root');
    assert.equal(install('--root', root, '--from', fakeCheckout(tmp.dir)).status, 0);
    writeFileSync(path.join(root, 'etc/porchlight/agents/frontdoor.yaml'), 'agent: {name: frontdoor, source: "rtsp://10.0.0.5/s"}\n');
    const enable = spawnSync('systemctl', [`--root=${root}`, 'enable', 'porchlight-agent@frontdoor.service'], { encoding: 'utf8' });
    assert.equal(enable.status, 0, enable.stderr);
    writeFileSync(path.join(root, 'var/lib/porchlight/hub/hub.db'), 'the household\'s clip index');

    const un = install('--root', root, '--uninstall');
    assert.equal(un.status, 0, un.stderr);
    const removed = [
      'opt/porchlight',
      'usr/local/bin/porchlight',
      'usr/local/lib/systemd/system/porchlight-hub.service',
      'usr/local/lib/systemd/system/porchlight-agent@.service',
      'usr/local/lib/systemd/system/porchlight-wg.service',
      'usr/local/lib/systemd/system/porchlight-wg-reload.path',
      'usr/local/lib/systemd/system/porchlight-wg-reload.service',
      'usr/local/lib/sysusers.d/porchlight.conf',
      'etc/systemd/system/porchlight.target.wants',
      'etc/systemd/system/multi-user.target.wants/porchlight.target',
      'etc/systemd/system/multi-user.target.wants/porchlight-wg.service',
      'etc/systemd/system/paths.target.wants/porchlight-wg-reload.path',
    ];
    for (const gone of removed) {
      assert.ok(!existsSync(path.join(root, gone)) && !isLink(path.join(root, gone)), `${gone} removed`);
    }
    assert.equal(readFileSync(path.join(root, 'var/lib/porchlight/hub/hub.db'), 'utf8'), 'the household\'s clip index');
    assert.ok(existsSync(path.join(root, 'etc/porchlight/agents/frontdoor.yaml')));
    assert.match(un.stdout, /Kept \/etc\/porchlight/);

    const purge = install('--root', root, '--purge');
    assert.equal(purge.status, 0, purge.stderr);
    assert.ok(!existsSync(path.join(root, 'var/lib/porchlight')));
    assert.ok(!existsSync(path.join(root, 'etc/porchlight')));
  });

  it('makes the S3 credentials file the config names readable by the relay (0640), as an older install left it 0600, and no other secret', () => {
    const root = path.join(tmp.dir, 'root');
    const from = fakeCheckout(tmp.dir);
    assert.equal(install('--root', root, '--from', from).status, 0);
    const s3Key = path.join(root, 'etc/porchlight/secrets/s3.yaml');
    writeFileSync(s3Key, 'accessKeyId: A\nsecretAccessKey: B\n');
    chmodSync(s3Key, 0o600);
    // A secret made 0640 by hand would be the relay's to read through the group: not this one.
    const other = path.join(root, 'etc/porchlight/secrets/smtp-password');
    writeFileSync(other, 'hunter2\n');
    chmodSync(other, 0o640);
    const again = install('--root', root, '--from', from);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /made \/etc\/porchlight\/secrets\/s3\.yaml readable by the relay's user/);
    assert.equal(mode(s3Key), '640');
    assert.equal(mode(other), '600', 'no other secret is left open to the group');
  });

  it('--agent-only enables the target alone: no hub, relay or remote access unit on a camera board', () => {
    const root = path.join(tmp.dir, 'root');
    const r = install('--root', root, '--agent-only', '--from', fakeCheckout(tmp.dir));
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(readdirSync(path.join(root, 'etc/systemd/system/multi-user.target.wants')), ['porchlight.target']);
    for (const off of ['etc/systemd/system/porchlight.target.wants', 'etc/systemd/system/paths.target.wants/porchlight-wg-reload.path']) {
      assert.ok(!existsSync(path.join(root, off)) && !isLink(path.join(root, off)), `${off} not enabled`);
    }
  });

  it('refuses a checkout that is not built, and changes nothing', () => {
    const root = path.join(tmp.dir, 'root');
    const from = path.join(tmp.dir, 'unbuilt');
    mkdirSync(from);
    const r = install('--root', root, '--from', from);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /is not built: run "npm ci && npm run build"/);
    assert.ok(!existsSync(path.join(root, 'etc/porchlight')));
  });
});

function isLink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

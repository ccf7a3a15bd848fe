import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { promises as fsp, chmodSync, chownSync, lchownSync, symlinkSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { DB } from '../../common/database';
import { openHubState } from '../../hub/hub';
import { addRemotePeer, remoteFiles, revokeRemotePeer, setupRemote, writeHubConfig } from '../../hub/remoteAccess';
import { runCli } from '../helpers/cli';
import { skipBecause } from '../helpers/skip';
import { useTempDir } from '../helpers/tmp';
import { needWg } from '../helpers/wireguard';

/*
 * Who writes the hub's WireGuard config, and in what order (docs/remote.md): a peer added and
 * another revoked at the same moment both end up in the file as they are in the database, a
 * console command waits for the hub's write (and is not stopped for good by a dead one's lock),
 * and a console command run as root leaves the files the hub's user's.
 */

const peerKeys = (config: string) => [...config.matchAll(/^PublicKey = (.*)$/gm)].map((m) => m[1]!);

describe('remote access config writes', function () {
  this.timeout(60_000);
  const tmp = useTempDir();
  let db: DB | null = null;
  const realRename = fsp.rename;

  before(function () {
    needWg(this);
  });
  beforeEach(async () => {
    db = (await openHubState(tmp.dir)).db;
    await setupRemote(db, tmp.dir, { endpoint: 'home.example.net' });
  });
  afterEach(() => {
    fsp.rename = realRename;
    db?.close();
    db = null;
  });
  const config = () => readFileSync(remoteFiles(tmp.dir, 'porchlight').config, 'utf8');

  it('a revocation while an addition is still writing the file: the revoked peer is gone from it, the added one is in it', async () => {
    const phone = await addRemotePeer(db!, tmp.dir, 'phone', 'user:owner', 1);
    // The addition's rename is slow (a busy SD card): it read the peers, phone among them, before the revocation.
    let renaming!: () => void;
    const addIsRenaming = new Promise<void>((resolve) => (renaming = resolve));
    let delayed = false;
    fsp.rename = async (from, to) => {
      if (!delayed && String(to) === remoteFiles(tmp.dir, 'porchlight').config) {
        delayed = true;
        renaming();
        await new Promise((r) => setTimeout(r, 300));
      }
      return realRename(from, to);
    };
    const adding = addRemotePeer(db!, tmp.dir, 'laptop', 'user:owner', 2);
    await addIsRenaming;
    const revoked = await revokeRemotePeer(db!, tmp.dir, 'phone');
    assert.equal(revoked.peer.id, phone.peer.id);
    const laptop = await adding;

    assert.deepEqual(peerKeys(config()), [laptop.peer.publicKey], 'the file holds the peers the database holds: the laptop, not the revoked phone');
  });

  it("a console command waits while another process holds the config's lock, then writes", async () => {
    const lock = `${remoteFiles(tmp.dir, 'porchlight').config}.lock`;
    // This process's own pid: a live holder, as the hub is while it writes.
    writeFileSync(lock, `${process.pid}\n`);
    db!.prepare("INSERT INTO remote_peers (id, name, public_key, address, created_at, created_by) VALUES ('p1', 'tablet', 'mK2g1wzQ3W0VvFhU7o1uJj3Xl9sYc4aQ0n8T2bPzH0A=', '10.64.0.9', 1, 'cli')").run();
    let done = false;
    const writing = writeHubConfig(db!, tmp.dir).then(() => (done = true));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(done, false, 'no write while the lock is held');
    assert.ok(!config().includes('tablet'));
    rmSync(lock);
    await writing;
    assert.ok(config().includes('# tablet (p1)'));
    assert.ok(!existsSync(lock), 'the lock is released');
  });

  it('a lock left by a process that died does not stop the next write', async () => {
    const lock = `${remoteFiles(tmp.dir, 'porchlight').config}.lock`;
    const dead = await new Promise<number>((resolve) => {
      const child = execFile(process.execPath, ['-e', '0'], () => resolve(child.pid!));
    });
    writeFileSync(lock, `${dead}\n`);
    const started = Date.now();
    await revokeRemotePeer(db!, tmp.dir, (await addRemotePeer(db!, tmp.dir, 'phone', 'cli', 1)).peer.id);
    assert.ok(Date.now() - started < 5_000, 'taken over at once, not after the wait runs out');
    assert.deepEqual(peerKeys(config()), []);
    assert.ok(!existsSync(lock));
  });
});

describe('"porchlight remote" run as root on a data directory the hub user owns', function () {
  this.timeout(60_000);
  const NOBODY = 65534;
  let dir = '';

  before(function () {
    if (process.getuid?.() !== 0) skipBecause(this, 'needs root: it checks what a console command run with sudo leaves behind');
    needWg(this);
  });
  beforeEach(() => {
    // Not under the other tests' 0700 temp dirs: the hub's user must be able to reach it.
    dir = mkdtempSync(path.join(tmpdir(), 'porchlight-remote-owner-'));
    chmodSync(dir, 0o755);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A hub's data directory, made as the hub makes it and given whole to the hub's user (uid 65534). */
  async function hubDataOfNobody(): Promise<string> {
    const dataDir = path.join(dir, 'hub');
    (await openHubState(dataDir)).db.close();
    const chownAll = (p: string) => {
      chownSync(p, NOBODY, NOBODY);
      if (statSync(p).isDirectory()) for (const e of readdirSync(p)) chownAll(path.join(p, e));
    };
    chownAll(dataDir);
    return dataDir;
  }

  it("leaves wireguard/, hub.key and the config the hub user's, so the hub can still read and rewrite them", async () => {
    const dataDir = await hubDataOfNobody();

    const setup = await runCli(['remote', 'setup', '--endpoint', 'home.example.net', '--data', dataDir]);
    assert.equal(setup.code, 0, setup.stderr);
    const added = await runCli(['remote', 'add', 'phone', '--no-qr', '--data', dataDir]);
    assert.equal(added.code, 0, added.stderr);
    const files = remoteFiles(dataDir, 'porchlight');
    for (const f of [files.dir, files.hubKey, files.config]) assert.equal(statSync(f).uid, NOBODY, `${f} must stay the hub user's`);
    assert.equal(statSync(files.config).mode & 0o777, 0o600);

    // What the hub (as its own user) does on the next page load and peer change: read the key, rewrite the config.
    const asHub = await new Promise<{ code: number; stderr: string }>((resolve) => {
      const script = `const fs = require('fs'); fs.readFileSync(${JSON.stringify(files.hubKey)}); fs.readFileSync(${JSON.stringify(files.config)}); fs.writeFileSync(${JSON.stringify(`${files.config}.new`)}, 'x');`;
      execFile(process.execPath, ['-e', script], { uid: NOBODY, gid: NOBODY }, (err, _out, stderr) => resolve({ code: err ? 1 : 0, stderr }));
    });
    assert.equal(asHub.code, 0, `the hub's user cannot use what root left: ${asHub.stderr}`);
  });

  it("does not follow a link the hub's user planted: wireguard/ pointing at a folder of root's gets nothing, and stays root's", async () => {
    const dataDir = await hubDataOfNobody();
    // The attacker's move, as the hub's user: wireguard/ becomes a link to a folder of root's
    // (standing in for /etc), hoping root's console command chowns it or writes keys into it.
    const rootsFolder = mkdtempSync(path.join(dir, 'etc-'));
    chmodSync(rootsFolder, 0o755);
    symlinkSync(rootsFolder, path.join(dataDir, 'wireguard'));
    lchownSync(path.join(dataDir, 'wireguard'), NOBODY, NOBODY);

    const setup = await runCli(['remote', 'setup', '--endpoint', 'home.example.net', '--data', dataDir]);
    assert.notEqual(setup.code, 0, 'as the hub user, the command cannot write into root\'s folder');
    assert.equal(statSync(rootsFolder).uid, 0, "root's folder is still root's");
    assert.deepEqual(readdirSync(rootsFolder), [], 'nothing was written into it');
  });
});

import { strict as assert } from 'node:assert';
import { randomBytes, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { pairWithHub } from '../../camera-agent/hubClient';
import { ClipEncryptor } from '../../common/clipEnvelope';
import { hubPaths } from '../../common/dataLayout';
import { loadFootageKeyPair, wrapFootageKeyFile } from '../../common/footageKeys';
import { listNotices } from '../../common/notices';
import type { ClipUploadMeta, PairResponse } from '../../common/protocol';
import { IP_MAX_FAILURES } from '../../hub/loginThrottlePolicy';
import { openPairingWindow } from '../../hub/pairing';
import { addTestUser, cookiesFrom, JSON_HEADERS, login, passwordProof, PASSWORDS, signIn, startTestHub, type SignedIn, type TestHub } from '../helpers/hub';
import { call } from '../helpers/https';
import { runCli } from '../helpers/cli';
import { openHubState } from '../../hub/hub';
import { makeTestMp4 } from '../helpers/media';
import { useTempDir } from '../helpers/tmp';

/*
 * The attacker's move: take the hub (or its SD card) while it is powered off and read every
 * file of its data dir, looking for the footage secret key. Wrapped with the owner's
 * passphrase, it is nowhere; the hub restarts LOCKED, still takes the cameras' clips (sealed
 * to the public key), plays nothing until an owner unlocks it, counts wrong passphrases like
 * wrong passwords, and then plays the clips recorded meanwhile. A clip a camera sent while
 * locked under another camera's name is found out at unlock and deleted.
 */

const PASSPHRASE = 'the long winter porch passphrase';

describe('footage key wrapped with a passphrase: a stolen powered-off hub decrypts nothing; the hub runs locked until an owner unlocks it', function () {
  this.timeout(180_000);
  const tmp = useTempDir();
  let hub: TestHub | undefined;
  afterEach(async () => {
    await hub?.stop();
    hub = undefined;
  });

  const dataDir = () => path.join(tmp.dir, 'hub');
  const post = (s: SignedIn, route: string, body: object, localAddress?: string) =>
    call(hub!.base, 'POST', route, { body: JSON.stringify(body), headers: { ...s.headers, ...JSON_HEADERS }, localAddress });
  /** A fresh OPAQUE proof of `password` from the session `s` (the hub never sees the password). */
  const proof = (s: SignedIn, password: string, localAddress?: string) => passwordProof(hub!.base, s.headers, password, localAddress);
  const get = (s: SignedIn, route: string) => call(hub!.base, 'GET', route, { headers: s.headers });
  const count = (action: string) => (hub!.db.prepare('SELECT COUNT(*) AS n FROM audit_log WHERE action = ?').get(action) as { n: number }).n;

  async function upload(camera: PairResponse, plain: Buffer, routing: { clipId: string; deviceId: string }, clipId = routing.clipId) {
    const enc = await ClipEncryptor.create({ publicKey: new Uint8Array(Buffer.from(camera.footagePublicKey, 'base64')) }, routing);
    const body = Buffer.concat([enc.header, ...enc.push(plain), enc.final()]);
    const meta: ClipUploadMeta = { clipId, startedAt: hub!.clock.t - 10_000, endedAt: hub!.clock.t - 5_000, mediaStart: 0, mediaEnd: 5, trigger: 'manual' };
    return call(hub!.base, 'POST', '/api/device/clips', {
      body,
      headers: { authorization: `Bearer ${camera.token}`, 'content-type': 'application/octet-stream', 'x-porchlight-clip': JSON.stringify(meta) },
    });
  }

  /** Every file under the data dir, whole: what a thief reads off the SD card. */
  async function everyFile(dir: string): Promise<Array<{ file: string; data: Buffer }>> {
    const out: Array<{ file: string; data: Buffer }> = [];
    for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
      if (!entry.isFile()) continue;
      const file = path.join(entry.parentPath, entry.name);
      out.push({ file, data: await fs.readFile(file) });
    }
    return out;
  }

  /** The owner signs in from `localAddress` (after the lockout of 127.0.0.1). */
  async function ownerFrom(localAddress: string): Promise<SignedIn> {
    const res = await login(hub!.base, 'owner', PASSWORDS.owner, { localAddress });
    assert.equal(res.status, 200, res.body.toString());
    const cookie = cookiesFrom(res);
    return { cookie, csrf: res.json().csrfToken, headers: { cookie, 'x-csrf-token': res.json().csrfToken } };
  }

  it('wrap → restart locked: uploads stored, playback 423, no secret key on disk; wrong passphrases counted and locked out; unlock plays the clip; unwrap back', async () => {
    hub = await startTestHub(dataDir());
    await addTestUser(hub.db, 'owner');
    await addTestUser(hub.db, 'member');
    const porch = await pairWithHub(hub.base, (await openPairingWindow(hub.db, 60_000)).code, 'porch');
    const secretKey = Buffer.from((await loadFootageKeyPair(hubPaths(dataDir()).footageKey)).secretKey);
    const mp4 = makeTestMp4(tmp.dir, 1);
    let owner = await signIn(hub.base, 'owner', PASSWORDS.owner);
    const member = await signIn(hub.base, 'member', PASSWORDS.member);

    assert.deepEqual((await get(owner, '/api/system/footage-key')).json(), { wrapped: false, locked: false, heldClips: 0 });
    // Only an owner, only with the password again, only with a passphrase long enough.
    // (A member is refused by role before any proof is looked at: a dummy proof will do.)
    const noProof = { loginId: 'not-a-real-check-0000' };
    assert.equal((await post(member, '/api/system/footage-key/wrap', { proof: noProof, passphrase: PASSPHRASE })).status, 403);
    const wrongPassword = await post(owner, '/api/system/footage-key/wrap', { proof: await proof(owner, 'not the owner password'), passphrase: PASSPHRASE });
    assert.equal(wrongPassword.status, 403);
    assert.equal(wrongPassword.json().error.code, 'BAD_CREDENTIALS');
    const short = await post(owner, '/api/system/footage-key/wrap', { proof: noProof, passphrase: 'too short' });
    assert.equal(short.status, 400);
    assert.match(short.json().error.message, /passphrase/);
    const wrapped = await post(owner, '/api/system/footage-key/wrap', { proof: await proof(owner, PASSWORDS.owner), passphrase: PASSPHRASE });
    assert.equal(wrapped.status, 200, wrapped.body.toString());
    assert.deepEqual(wrapped.json(), { wrapped: true, locked: false, heldClips: 0 }, 'the running hub keeps its key unlocked');
    assert.equal(count('footage_key.wrapped'), 1);
    assert.equal((await fs.stat(hubPaths(dataDir()).footageKey)).mode & 0o777, 0o600);

    // Power off, the card taken: no file holds the secret key, raw or in base64.
    await hub.stop();
    for (const { file, data } of await everyFile(dataDir())) {
      assert.ok(!data.includes(secretKey), `${file} holds the footage secret key`);
      assert.ok(!data.includes(Buffer.from(secretKey.toString('base64'))), `${file} holds the footage secret key in base64`);
    }
    hub = await startTestHub(dataDir());
    owner = await signIn(hub.base, 'owner', PASSWORDS.owner);
    assert.deepEqual((await get(owner, '/api/system/footage-key')).json(), { wrapped: true, locked: true, heldClips: 0 });

    // The camera keeps recording: its clip is stored and acknowledged.
    const clipId = randomUUID();
    const plain = Buffer.concat([mp4, randomBytes(100_000)]);
    const stored = await upload(porch, plain, { clipId, deviceId: porch.deviceId });
    assert.equal(stored.status, 201, stored.body.toString());
    assert.equal(stored.json().stored, true);
    // A camera sending, under its own name, a clip sealed as another camera's: taken now, found out at unlock.
    const forgedId = randomUUID();
    assert.equal((await upload(porch, mp4, { clipId: forgedId, deviceId: randomUUID() })).status, 201);
    assert.equal((await get(owner, '/api/system/footage-key')).json().heldClips, 2);
    // Everyone sees the lock (the banner); how many clips came meanwhile is household activity: owners only.
    assert.deepEqual((await get(member, '/api/system/footage-key')).json(), { wrapped: true, locked: true });
    assert.ok((await get(owner, '/api/clips')).json().clips.some((c: { id: string }) => c.id === clipId), 'the clip is listed');

    for (const route of [`/api/clips/${clipId}/video`, `/api/clips/${clipId}/thumbnail`]) {
      const refused = await get(owner, route);
      assert.equal(refused.status, 423, route);
      assert.equal(refused.json().error.code, 'FOOTAGE_KEY_LOCKED');
      assert.match(refused.json().error.message, /the footage key is locked: an owner unlocks it on the System page/);
    }
    assert.equal(count('clip.viewed'), 0, 'nothing was viewed');
    assert.equal((await post(member, '/api/system/footage-key/unlock', { passphrase: PASSPHRASE })).status, 403, 'members never unlock');

    // Guessing the passphrase: each wrong one is counted and audited, with the wrong password given
    // before the restart; the one that reaches the limit locks the address and ends the session.
    for (let i = 2; i < IP_MAX_FAILURES; i++) {
      const wrong = await post(owner, '/api/system/footage-key/unlock', { passphrase: `wrong guess number ${i}` });
      assert.equal(wrong.status, 403, `guess ${i}`);
      assert.equal(wrong.json().error.code, 'BAD_PASSPHRASE');
    }
    const locking = await post(owner, '/api/system/footage-key/unlock', { passphrase: 'the last wrong guess' });
    assert.equal(locking.status, 429);
    const steps = (hub.db.prepare("SELECT json_extract(detail, '$.step') AS step FROM audit_log WHERE action = 'auth.reauth_failed'").all() as Array<{ step: string }>).map((r) => r.step);
    assert.deepEqual(steps, ['password', ...Array(IP_MAX_FAILURES - 1).fill('passphrase')]);
    assert.equal(count('auth.lockout'), 1);
    assert.equal((await get(owner, '/api/system/footage-key')).status, 401, 'the guessing session is signed out');
    const ownerId = (hub.db.prepare("SELECT id FROM users WHERE username = 'owner'").get() as { id: number }).id;
    assert.equal(listNotices(hub.db, ownerId).filter((n) => n.kind === 'reauth-lockout').length, 1, 'the owner is told');
    assert.equal((await get(member, '/api/system/footage-key')).json().locked, true);

    // The owner, from another address, with the right passphrase.
    owner = await ownerFrom('127.0.0.2');
    const unlocked = await post(owner, '/api/system/footage-key/unlock', { passphrase: PASSPHRASE }, '127.0.0.2');
    assert.equal(unlocked.status, 200, unlocked.body.toString());
    assert.equal(unlocked.json().locked, false);
    assert.equal(count('footage_key.unlocked'), 1);
    const deadline = Date.now() + 30_000;
    while ((await get(owner, '/api/system/footage-key')).json().heldClips > 0) {
      assert.ok(Date.now() < deadline, 'the held clips are checked after unlocking');
      await new Promise((r) => setTimeout(r, 100));
    }
    const played = await get(owner, `/api/clips/${clipId}/video`);
    assert.equal(played.status, 200);
    assert.ok(played.body.equals(plain), 'the clip recorded while locked plays, byte for byte');
    assert.equal((await get(owner, `/api/clips/${forgedId}/video`)).status, 404, "the clip sealed as another camera's is deleted");
    const refusedRow = hub.db.prepare("SELECT target, detail FROM audit_log WHERE action = 'clip.refused_after_unlock'").all() as Array<{ target: string; detail: string }>;
    assert.equal(refusedRow.length, 1);
    assert.equal(refusedRow[0]!.target, `clip:${forgedId}`);
    // Unlocking wrote nothing unwrapped.
    assert.ok(!(await fs.readFile(hubPaths(dataDir()).footageKey)).includes(Buffer.from(secretKey.toString('base64'))));

    // Unwrap back: the next start is unlocked, and the clip still plays.
    assert.equal((await post(owner, '/api/system/footage-key/unwrap', { proof: await proof(owner, 'not the owner password', '127.0.0.2') }, '127.0.0.2')).status, 403);
    const unwrapped = await post(owner, '/api/system/footage-key/unwrap', { proof: await proof(owner, PASSWORDS.owner, '127.0.0.2') }, '127.0.0.2');
    assert.equal(unwrapped.status, 200, unwrapped.body.toString());
    assert.equal(count('footage_key.unwrapped'), 1);
    await hub.stop();
    hub = await startTestHub(dataDir());
    owner = await ownerFrom('127.0.0.2');
    assert.deepEqual((await get(owner, '/api/system/footage-key')).json(), { wrapped: false, locked: false, heldClips: 0 });
    assert.ok((await get(owner, `/api/clips/${clipId}/video`)).body.equals(plain));
    assert.equal((await post(owner, '/api/system/footage-key/unwrap', { proof: await proof(owner, PASSWORDS.owner, '127.0.0.2') }, '127.0.0.2')).status, 409, 'nothing to unwrap');
  });

  it('from the console: "porchlight keys wrap" leaves no secret key in the file; "keys unwrap" refuses a wrong passphrase and brings it back', async () => {
    (await openHubState(dataDir())).db.close();
    const keyFile = hubPaths(dataDir()).footageKey;
    const pair = await loadFootageKeyPair(keyFile);
    const passFile = path.join(tmp.dir, 'passphrase');
    await fs.writeFile(passFile, `${PASSPHRASE}\n`, { mode: 0o600 });
    const wrongFile = path.join(tmp.dir, 'wrong');
    await fs.writeFile(wrongFile, 'not the passphrase at all\n', { mode: 0o600 });

    const wrapped = await runCli(['keys', 'wrap', '--data', dataDir(), '--passphrase-file', passFile]);
    assert.equal(wrapped.code, 0, wrapped.stderr);
    const text = await fs.readFile(keyFile);
    assert.ok(!text.includes(Buffer.from(pair.secretKey)) && !text.includes(Buffer.from(Buffer.from(pair.secretKey).toString('base64'))), 'the key file holds no secret key');
    assert.equal((await fs.stat(keyFile)).mode & 0o777, 0o600);
    await assert.rejects(loadFootageKeyPair(keyFile), /passphrase-protected/);

    const wrong = await runCli(['keys', 'unwrap', '--data', dataDir(), '--passphrase-file', wrongFile]);
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /that passphrase does not open the footage key/);
    const unwrapped = await runCli(['keys', 'unwrap', '--data', dataDir(), '--passphrase-file', passFile]);
    assert.equal(unwrapped.code, 0, unwrapped.stderr);
    assert.deepEqual(Buffer.from((await loadFootageKeyPair(keyFile)).secretKey), Buffer.from(pair.secretKey));
    hub = await startTestHub(dataDir());
    const actions = (hub.db.prepare("SELECT action FROM audit_log WHERE actor = 'cli' AND action LIKE 'footage_key.%' ORDER BY seq").all() as Array<{ action: string }>).map((r) => r.action);
    assert.deepEqual(actions, ['footage_key.wrapped', 'footage_key.unwrap_refused', 'footage_key.unwrapped']);
  });

  it('from the console: "porchlight keys unlock" unlocks the running hub; wrong passphrases are counted and audited, and locked out', async () => {
    hub = await startTestHub(dataDir());
    const keyFile = hubPaths(dataDir()).footageKey;
    const pair = await loadFootageKeyPair(keyFile);
    await wrapFootageKeyFile(keyFile, pair, PASSPHRASE);
    await hub.stop();
    hub = await startTestHub(dataDir());
    await addTestUser(hub.db, 'owner');
    const owner = await signIn(hub.base, 'owner', PASSWORDS.owner);
    assert.equal((await get(owner, '/api/system/footage-key')).json().locked, true);
    const socket = hubPaths(dataDir()).unlockSocket;
    assert.equal((await fs.stat(socket)).mode & 0o777, 0o600, 'only the hub user reaches the socket');
    const passFile = path.join(tmp.dir, 'passphrase');
    await fs.writeFile(passFile, `${PASSPHRASE}\n`, { mode: 0o600 });
    const wrongFile = path.join(tmp.dir, 'wrong');
    await fs.writeFile(wrongFile, 'not the passphrase at all\n', { mode: 0o600 });

    for (let i = 1; i < IP_MAX_FAILURES; i++) {
      const wrong = await runCli(['keys', 'unlock', '--data', dataDir(), '--passphrase-file', wrongFile]);
      assert.notEqual(wrong.code, 0);
      assert.match(wrong.stderr, /that passphrase does not open the footage key/);
    }
    const locking = await runCli(['keys', 'unlock', '--data', dataDir(), '--passphrase-file', wrongFile]);
    assert.match(locking.stderr, /too many: try again in 10 minutes/);
    const refused = await runCli(['keys', 'unlock', '--data', dataDir(), '--passphrase-file', passFile]);
    assert.match(refused.stderr, /too many wrong passphrases: try again in/, 'the right passphrase is not even tried while locked out');
    assert.equal(count('footage_key.unlock_failed'), IP_MAX_FAILURES);
    assert.equal(count('footage_key.unlock_locked_out'), 1);
    assert.equal((await get(owner, '/api/system/footage-key')).json().locked, true);

    hub.clock.advance(10 * 60_000 + 1000);
    const unlocked = await runCli(['keys', 'unlock', '--data', dataDir(), '--passphrase-file', passFile]);
    assert.equal(unlocked.code, 0, unlocked.stderr);
    assert.match(unlocked.stdout, /unlocked/);
    assert.equal((await get(owner, '/api/system/footage-key')).json().locked, false);
    assert.equal(count('footage_key.unlocked'), 1);
    await hub.stop();
    hub = undefined;
    assert.equal((await runCli(['keys', 'unlock', '--data', dataDir(), '--passphrase-file', passFile])).stderr.includes('the hub is not running'), true);
  });
});

import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import * as https from 'node:https';
import { useTempDir } from '../helpers/tmp';
import { call } from '../helpers/https';
import { makeTestMp4 } from '../helpers/media';
import { addTestUser, PASSWORDS, signIn, startTestHub, type TestHub } from '../helpers/hub';
import { ClipEncryptor } from '../../common/clipEnvelope';
import type { PairResponse } from '../../common/protocol';
import { pairWithHub } from '../../camera-agent/hubClient';
import { openPairingWindow } from '../../hub/pairing';
import { opaqueLib } from '../../common/pairingBinding';
import { revokeDevice } from '../../hub/devices';

describe('hub device tokens', function () {
  this.timeout(60_000);
  const tmp = useTempDir();
  let t: TestHub;
  let camA: PairResponse;
  let camB: PairResponse;

  beforeEach(async () => {
    t = await startTestHub(tmp.dir);
    await addTestUser(t.db, 'owner');
    camA = await pairWithHub(t.base, (await openPairingWindow(t.db, 60_000)).code, 'front door');
    camB = await pairWithHub(t.base, (await openPairingWindow(t.db, 60_000)).code, 'garden');
  });
  afterEach(async () => t.stop());

  async function sealedClip(clipId: string, deviceId: string): Promise<Buffer> {
    const enc = await ClipEncryptor.create({ publicKey: new Uint8Array(Buffer.from(camA.footagePublicKey, 'base64')) }, { clipId, deviceId });
    return Buffer.concat([enc.header, ...enc.push(makeTestMp4(tmp.dir)), enc.final()]);
  }
  const upload = (token: string, clipId: string, body: Buffer) =>
    call(t.base, 'POST', '/api/device/clips', {
      body,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/octet-stream',
        'x-porchlight-clip': JSON.stringify({ clipId, startedAt: 1000, endedAt: 3000, mediaStart: 0, mediaEnd: 2, trigger: 'motion' }),
      },
    });

  it('issues a distinct 24-byte base64url token per camera, stored only as a hash', async () => {
    for (const cam of [camA, camB]) assert.match(cam.token, /^[A-Za-z0-9_-]{32}$/);
    assert.notEqual(camA.token, camB.token);
    const rows = JSON.stringify(t.db.prepare('SELECT * FROM devices').all());
    assert.ok(!rows.includes(camA.token) && !rows.includes(camB.token), 'tokens are not stored in plain');
    await assert.rejects(pairWithHub(t.base, (await openPairingWindow(t.db, 60_000)).code, 'Front Door'), /already paired/, 'names stay unique, so "revoke front door" means one camera');
  });

  it("refuses one camera's token acting as another camera", async () => {
    const idB = randomUUID();
    assert.equal((await upload(camB.token, idB, await sealedClip(idB, camB.deviceId))).status, 201);
    const asB = randomUUID();
    const forged = await upload(camA.token, asB, await sealedClip(asB, camB.deviceId));
    assert.equal(forged.status, 403, "camera A cannot upload a clip sealed as camera B's");
    const overwrite = await upload(camA.token, idB, await sealedClip(idB, camA.deviceId));
    assert.equal(overwrite.status, 409, "camera A cannot replace camera B's clip");
    const readClips = await call(t.base, 'GET', '/api/clips', { headers: { authorization: `Bearer ${camA.token}` } });
    assert.equal(readClips.status, 401, "a device token reads nothing of a user's");
    const clips = t.db.prepare('SELECT id, device_id FROM clips').all() as Array<{ id: string; device_id: string }>;
    assert.deepEqual(clips, [{ id: idB, device_id: camB.deviceId }]);
  });

  /** Opens the device channel and resolves once the hub said hello; `closed` settles when the hub hangs up. */
  function openChannel(token: string) {
    return new Promise<{ closed: Promise<void>; agent: https.Agent }>((resolve, reject) => {
      const agent = new https.Agent({ keepAlive: true, rejectUnauthorized: false });
      const req = https.get(new URL('/api/device/channel', t.base), { headers: { authorization: `Bearer ${token}` }, agent }, (res) => {
        assert.equal(res.statusCode, 200);
        const closed = new Promise<void>((done) => {
          res.on('close', () => done());
          res.on('error', () => done());
        });
        res.once('data', () => resolve({ closed, agent }));
      });
      req.on('error', reject);
    });
  }

  it('re-provisioning refuses the old token at once, on its open channel and its keep-alive connection, and the new code keeps the device id', async () => {
    const owner = await signIn(t.base, 'owner', PASSWORDS.owner);
    const channel = await openChannel(camA.token);
    // A keep-alive connection that already carried a request.
    const keepAlive = new https.Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false });
    const event = (token: string, agent: https.Agent) =>
      new Promise<number>((resolve) => {
        const body = JSON.stringify({ kind: 'start', mediaTime: 1, at: 1 });
        const req = https.request(
          new URL('/api/device/events', t.base),
          { method: 'POST', agent, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': body.length } },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', () => resolve(-1));
        req.end(body);
      });
    assert.equal(await event(camA.token, keepAlive), 200);

    const rotate = await call(t.base, 'POST', `/api/devices/${camA.deviceId}/reprovision`, { headers: owner.headers });
    assert.equal(rotate.status, 200);
    await channel.closed; // the hub hung up the channel
    const after = await event(camA.token, keepAlive);
    assert.ok(after === 401 || after === -1, `the rotated token is refused on the kept-alive connection (got ${after})`);
    assert.equal(await event(camA.token, new https.Agent({ rejectUnauthorized: false })), 401, 'and on any new connection');
    assert.equal(await event(camB.token, new https.Agent({ rejectUnauthorized: false })), 200, 'other cameras are unaffected');

    const again = await pairWithHub(t.base, rotate.json().code, 'front door');
    assert.equal(again.deviceId, camA.deviceId, 're-provisioning keeps the device id (and its clips)');
    assert.notEqual(again.token, camA.token);
    assert.equal(await event(again.token, new https.Agent({ rejectUnauthorized: false })), 200);
    const actions = (t.db.prepare('SELECT action FROM audit_log').all() as Array<{ action: string }>).map((r) => r.action);
    assert.ok(actions.includes('device.token_rotated') && actions.includes('device.reprovisioned'));
    keepAlive.destroy();
    channel.agent.destroy();
  });

  it('rate-limits pairing attempts per address with 429 and Retry-After', async () => {
    const KE1 = opaqueLib().client.startLogin({ password: '00000000' }).startLoginRequest;
    const attempt = (localAddress: string) =>
      call(t.base, 'POST', '/api/pair/start', { body: JSON.stringify({ ke1: KE1 }), headers: { 'content-type': 'application/json' }, localAddress });
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await attempt('127.0.0.77')).status);
    assert.deepEqual(statuses.slice(0, 10), Array(10).fill(403), 'attempts without an open window are refused');
    const limited = await attempt('127.0.0.77');
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers['retry-after']) >= 1);
    assert.equal((await attempt('127.0.0.78')).status, 403, 'another address is not limited');
  });

  it('closes the channel of a token revoked behind the running hub (the CLI writes only the database)', async () => {
    const channel = await openChannel(camB.token);
    revokeDevice(t.db, camB.deviceId);
    const started = Date.now();
    await channel.closed;
    assert.ok(Date.now() - started < 10_000, 'closed within the sweep interval');
    const res = await call(t.base, 'POST', '/api/device/events', {
      body: JSON.stringify({ kind: 'start', mediaTime: 1, at: 1 }),
      headers: { authorization: `Bearer ${camB.token}`, 'content-type': 'application/json' },
    });
    assert.equal(res.status, 401);
    channel.agent.destroy();
  });
});

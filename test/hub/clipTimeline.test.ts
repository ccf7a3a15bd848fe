import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { ClipEncryptor } from '../../common/clipEnvelope';
import { parseConfig } from '../../common/config';
import { loadFootageKeyPair } from '../../common/footageKeys';
import { systemClock } from '../../common/clock';
import { HubClient, pairWithHub } from '../../camera-agent/hubClient';
import { Relay } from '../../cloud-relay/relay';
import { createTarget } from '../../common/cloud/targets';
import type { UploadTarget } from '../../common/cloud/uploadTarget';
import { openThumbnail } from '../../hub/clipThumbnails';
import { hubPaths } from '../../common/dataLayout';
import { openPairingWindow } from '../../hub/pairing';
import { writeSetting } from '../../common/settingsTable';
import { addTestUser, PASSWORDS, signIn, startTestHub, type SignedIn, type TestHub } from '../helpers/hub';
import { call } from '../helpers/https';
import { captureLog } from '../helpers/logCapture';
import { makeTestMp4 } from '../helpers/media';
import { startS3, type S3Peer } from '../helpers/s3';
import { useTempDir } from '../helpers/tmp';
import { sleep, until } from '../helpers/wait';

/*
 * The timeline's API against a real hub: clips uploaded by paired cameras through the device
 * API, thumbnails made by the real ffmpeg, and deletion carried to a real S3 server (s3rver)
 * by a real relay.
 */

const TZ = 'America/New_York';
/** 2026-03-08 is the spring-forward day in New York: 23 hours long. */
const DAY = '2026-03-08';
const at = (iso: string) => Date.parse(iso);

interface Camera {
  deviceId: string;
  client: HubClient;
  publicKey: Uint8Array;
}

describe('timeline API: clip list filters, thumbnails, download and delete', function () {
  this.timeout(180_000);
  const tmp = useTempDir();
  let t: TestHub;
  let owner: SignedIn;
  let member: SignedIn;
  let viewer: SignedIn;
  let installer: SignedIn;
  let mp4: Buffer;
  const cameras: HubClient[] = [];

  async function pair(name: string): Promise<Camera> {
    const pairing = await pairWithHub(t.base, (await openPairingWindow(t.db, 60_000)).code, name);
    const client = new HubClient({ ...pairing, name, hubUrl: t.base });
    cameras.push(client);
    return { deviceId: pairing.deviceId, client, publicKey: new Uint8Array(Buffer.from(pairing.footagePublicKey, 'base64')) };
  }

  async function upload(camera: Camera, startedAt: number, plain = mp4): Promise<string> {
    const clipId = randomUUID();
    const enc = await ClipEncryptor.create({ publicKey: camera.publicKey }, { clipId, deviceId: camera.deviceId });
    const file = path.join(tmp.dir, 'work', `${clipId}.plc`);
    writeFileSync(file, Buffer.concat([enc.header, ...enc.push(plain), enc.final()]));
    await camera.client.uploadClip({ clipId, startedAt, endedAt: startedAt + 3000, mediaStart: 0, mediaEnd: 3, trigger: 'motion' }, file);
    return clipId;
  }

  const get = (who: SignedIn, url: string) => call(t.base, 'GET', url, { headers: who.headers });
  const del = (who: SignedIn, url: string) => call(t.base, 'DELETE', url, { headers: who.headers });
  const ids = async (who: SignedIn, query = '') => {
    const res = await get(who, `/api/clips${query}`);
    assert.equal(res.status, 200, res.body.toString());
    return (res.json().clips as Array<{ id: string }>).map((c) => c.id);
  };
  const audited = (action: string) => t.db.prepare('SELECT target, actor FROM audit_log WHERE action = ?').all(action) as Array<{ target: string; actor: string }>;

  async function startHub(rest: Record<string, unknown> = {}): Promise<void> {
    mkdirSync(path.join(tmp.dir, 'work'), { recursive: true });
    mp4 = makeTestMp4(path.join(tmp.dir, 'work'), 3);
    t = await startTestHub(path.join(tmp.dir, 'hub'), {}, undefined, rest);
    writeSetting(t.db, 'arming.settings', { timeZone: TZ });
    for (const role of ['owner', 'member', 'viewer', 'installer'] as const) await addTestUser(t.db, role);
    owner = await signIn(t.base, 'owner', PASSWORDS.owner);
    member = await signIn(t.base, 'member', PASSWORDS.member);
    viewer = await signIn(t.base, 'viewer', PASSWORDS.viewer);
    installer = await signIn(t.base, 'installer', PASSWORDS.installer);
  }

  afterEach(async () => {
    for (const c of cameras.splice(0)) c.close();
    await t?.stop();
  });

  describe('without a cloud', () => {
    beforeEach(() => startHub());

    it('lists one home-time-zone day, narrows by camera, and pages with a cursor that neither skips nor repeats', async () => {
      const porch = await pair('porch');
      const drive = await pair('driveway');
      const before = await upload(porch, at('2026-03-08T04:59:59Z')); // 23:59:59 on the 7th, EST
      const first = await upload(porch, at('2026-03-08T05:00:00Z')); // midnight, EST
      const tieA = await upload(drive, at('2026-03-08T15:00:00Z'));
      const tieB = await upload(porch, at('2026-03-08T15:00:00Z'));
      const last = await upload(drive, at('2026-03-09T03:59:59Z')); // 23:59:59, EDT
      const after = await upload(porch, at('2026-03-09T04:00:00Z')); // midnight of the 9th, EDT

      const day = await get(owner, `/api/clips?day=${DAY}`);
      assert.equal(day.json().timeZone, TZ);
      assert.equal(day.json().day, DAY);
      const [tieHigh, tieLow] = [tieA, tieB].sort().reverse();
      assert.deepEqual(await ids(owner, `?day=${DAY}`), [last, tieHigh, tieLow, first], 'newest first, the 23-hour day exactly');
      assert.deepEqual(await ids(owner, `?day=2026-03-07`), [before]);
      assert.deepEqual(await ids(owner, `?day=${DAY}&camera=${porch.deviceId}`), [tieB, first], 'one camera');
      assert.deepEqual(await ids(owner, `?from=${at('2026-03-08T15:00:00Z')}&to=${at('2026-03-09T04:00:00Z')}`), [last, tieHigh, tieLow]);
      const all = await get(owner, '/api/clips');
      assert.equal(all.json().clips.length, 6, 'without parameters, every clip as before');
      for (const field of ['id', 'deviceId', 'deviceName', 'startedAt', 'endedAt', 'plainBytes', 'uploaded', 'local', 'inCloud']) assert.ok(field in all.json().clips[0], field);

      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await get(owner, `/api/clips?limit=2${cursor ? `&before=${cursor}` : ''}`);
        assert.equal(page.status, 200, page.body.toString());
        seen.push(...(page.json().clips as Array<{ id: string }>).map((c) => c.id));
        cursor = page.json().next;
        pages += 1;
      } while (cursor && pages < 10);
      assert.deepEqual(seen, [after, last, tieHigh, tieLow, first, before], 'pages of two walk every clip once, ties included');

      // A viewer sees only granted cameras, and filtering by another camera is refused like an unknown one.
      const viewerId = (t.db.prepare("SELECT id FROM users WHERE username = 'viewer'").get() as { id: number }).id;
      t.db.prepare('INSERT INTO camera_grants (user_id, device_id) VALUES (?, ?)').run(viewerId, drive.deviceId);
      assert.deepEqual(await ids(viewer, `?day=${DAY}`), [last, tieA]);
      const forbidden = await get(viewer, `/api/clips?camera=${porch.deviceId}`);
      assert.equal(forbidden.status, 400);
      assert.equal(forbidden.json().error.code, 'NO_SUCH_CAMERA');
      assert.equal((await get(owner, `/api/clips?camera=${randomUUID()}`)).json().error.message, 'no such camera: choose one from the camera list');
    });

    it('refuses malformed query parameters with a 400 naming the problem', async () => {
      const cases: Array<[string, RegExp]> = [
        ['day=2026-02-30', /^2026-02-30 is not a date in the calendar$/],
        ['day=yesterday', /^day must be a date written YYYY-MM-DD/],
        ['limit=0', /^limit must be a whole number from 1 to 200$/],
        ['limit=500', /^limit must be a whole number from 1 to 200$/],
        ['from=soon', /^from must be a time in milliseconds/],
        ['from=2000&to=1000', /^to must be later than from$/],
        ['day=2026-03-08&from=1', /^ask for a day or for from\/to, not both$/],
        ['camera=porch', /^camera must be the id of a camera$/],
        ['before=page2', /^before must be the next cursor/],
        ['sort=oldest', /^the hub does not take "sort" in the address of this request$/],
      ];
      for (const [query, message] of cases) {
        const res = await get(owner, `/api/clips?${query}`);
        assert.equal(res.status, 400, query);
        assert.match(res.json().error.message, message, query);
        assert.match(res.json().error.message, /^[a-z0-9]/, 'a lower-case clause the UI makes a sentence of');
      }
    });

    it('makes a 320-pixel JPEG thumbnail with ffmpeg, keeps it sealed on disk, and serves it only to who may see the clip', async () => {
      const porch = await pair('porch');
      const clipId = await upload(porch, at('2026-03-08T15:00:00Z'));
      const res = await get(member, `/api/clips/${clipId}/thumbnail`);
      assert.equal(res.status, 200, res.body.toString());
      assert.equal(res.headers['content-type'], 'image/jpeg');
      assert.match(String(res.headers['cache-control']), /^private, max-age=\d+/);
      assert.deepEqual([...res.body.subarray(0, 2)], [0xff, 0xd8], 'a JPEG');
      const jpegFile = path.join(tmp.dir, 'thumb.jpg');
      writeFileSync(jpegFile, res.body);
      const size = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', jpegFile]).toString().trim();
      assert.equal(size, '320,180', 'scaled to 320 pixels wide, aspect kept');

      const cached = readFileSync(path.join(hubPaths(path.join(tmp.dir, 'hub')).thumbs, clipId));
      assert.notDeepEqual([...cached.subarray(0, 2)], [0xff, 0xd8], 'no plaintext JPEG at rest');
      assert.ok(!cached.includes(Buffer.from('JFIF')) && !cached.includes(res.body.subarray(0, 64)), 'the cached file is sealed');
      const keys = await loadFootageKeyPair(hubPaths(path.join(tmp.dir, 'hub')).footageKey);
      assert.deepEqual(await openThumbnail(cached, keys), res.body, 'the footage key opens it');
      assert.deepEqual((await get(owner, `/api/clips/${clipId}/thumbnail`)).body, res.body, 'later requests get the cached picture');

      assert.equal((await get(viewer, `/api/clips/${clipId}/thumbnail`)).status, 404, 'an ungranted viewer learns nothing');
      assert.equal((await get(installer, `/api/clips/${clipId}/thumbnail`)).status, 403, 'installers never see footage');
      assert.equal((await get(owner, `/api/clips/${randomUUID()}/thumbnail`)).status, 404);
    });

    it('answers a clip whose footage is gone with a 404 the page shows as a placeholder', async () => {
      const porch = await pair('porch');
      const clipId = await upload(porch, at('2026-03-08T15:00:00Z'));
      // Retention removed the local copy of a clip that has no cloud copy either.
      t.db.prepare('UPDATE clips SET local_deleted_at = ? WHERE id = ?').run(Date.now(), clipId);
      const res = await get(owner, `/api/clips/${clipId}/thumbnail`);
      assert.equal(res.status, 404);
      assert.equal(res.json().error.code, 'NO_THUMBNAIL');
    });

    it('downloads the decrypted MP4 under the camera’s name and local start time, audited', async () => {
      const porch = await pair('porch');
      const clipId = await upload(porch, at('2026-03-08T19:03:05Z'));
      const res = await get(member, `/api/clips/${clipId}/video?download=1`);
      assert.equal(res.status, 200);
      assert.equal(res.headers['content-disposition'], 'attachment; filename="porch-2026-03-08_15-03-05.mp4"', 'EDT, the home time');
      assert.ok(res.body.equals(mp4), 'the decrypted MP4, byte for byte');
      assert.deepEqual(audited('clip.downloaded'), [{ target: `clip:${clipId}`, actor: 'user:member' }]);
      const played = await get(member, `/api/clips/${clipId}/video`);
      assert.equal(played.headers['content-disposition'], undefined, 'plain playback is not a download');
    });

    it('lets only the owner delete a clip: its file, thumbnail and row leave every list at once', async () => {
      const porch = await pair('porch');
      const keep = await upload(porch, at('2026-03-08T14:00:00Z'));
      const gone = await upload(porch, at('2026-03-08T15:00:00Z'));
      assert.equal((await get(owner, `/api/clips/${gone}/thumbnail`)).status, 200);
      const paths = hubPaths(path.join(tmp.dir, 'hub'));
      assert.ok(existsSync(path.join(paths.clips, `${gone}.plc`)) && existsSync(path.join(paths.thumbs, gone)));

      const refused = await del(member, `/api/clips/${gone}`);
      assert.equal(refused.status, 403);
      assert.equal((await del(viewer, `/api/clips/${gone}`)).status, 403);
      assert.ok(existsSync(path.join(paths.clips, `${gone}.plc`)), 'a refused delete deletes nothing');

      const res = await del(owner, `/api/clips/${gone}`);
      assert.equal(res.status, 200, res.body.toString());
      assert.equal(res.json().cloudCopy, 'none');
      assert.deepEqual(await ids(owner), [keep]);
      assert.deepEqual(await ids(member, `?day=${DAY}`), [keep]);
      assert.equal((await get(owner, `/api/clips/${gone}/video`)).status, 404);
      assert.equal((await get(owner, `/api/clips/${gone}/thumbnail`)).status, 404);
      assert.ok(!existsSync(path.join(paths.clips, `${gone}.plc`)), 'the encrypted file is gone');
      assert.ok(!existsSync(path.join(paths.thumbs, gone)), 'the sealed thumbnail is gone');
      assert.deepEqual(audited('clip.deleted'), [{ target: `clip:${gone}`, actor: 'user:owner' }]);
      assert.equal((await del(owner, `/api/clips/${gone}`)).status, 404, 'deleting twice is a 404');
      assert.equal((await get(owner, `/api/clips/${keep}/video`)).status, 200, 'the other clip still plays');
    });

    it('gives a dashboard tile per visible camera, storage and cloud state; installers get it without footage', async () => {
      const porch = await pair('porch');
      const drive = await pair('driveway');
      const older = await upload(porch, t.clock.now() - 120_000);
      const newest = await upload(porch, t.clock.now() - 60_000);
      t.db.prepare("INSERT INTO motion_events (device_id, kind, media_time, at, received_at) VALUES (?, 'start', 1, ?, ?)").run(porch.deviceId, t.clock.now() - 5000, t.clock.now() - 5000);

      const board = (await get(owner, '/api/dashboard')).json();
      assert.deepEqual(board.cameras.map((c: { name: string }) => c.name), ['porch', 'driveway']);
      const tile = board.cameras[0];
      assert.equal(tile.latestClip.id, newest, 'the newest clip gives the tile its picture');
      assert.notEqual(tile.latestClip.id, older);
      assert.equal(tile.lastMotionAt, t.clock.now() - 5000);
      assert.equal(tile.online, false, 'no channel open: offline');
      assert.equal(tile.recording, false, 'an offline camera is not shown recording');
      assert.equal(board.cameras[1].latestClip, null);
      assert.equal(board.storage.clips, 2);
      assert.ok(board.storage.bytes > 2 * mp4.length);
      assert.ok(board.storage.disk.freeBytes > 0 && board.storage.disk.totalBytes >= board.storage.disk.freeBytes);
      assert.equal(board.cloud.state, 'not-running');
      assert.equal(board.timeZone, TZ);

      const forInstaller = (await get(installer, '/api/dashboard')).json();
      assert.equal(forInstaller.cameras.length, 2);
      assert.ok(!('latestClip' in forInstaller.cameras[0]) && !('lastMotionAt' in forInstaller.cameras[0]), 'no footage for installers');
      const viewerId = (t.db.prepare("SELECT id FROM users WHERE username = 'viewer'").get() as { id: number }).id;
      t.db.prepare('INSERT INTO camera_grants (user_id, device_id) VALUES (?, ?)').run(viewerId, drive.deviceId);
      const forViewer = (await get(viewer, '/api/dashboard')).json();
      assert.deepEqual(forViewer.cameras.map((c: { name: string }) => c.name), ['driveway']);
      // What each role may learn (docs/security.md): the porch's clips say when someone was at the porch.
      assert.equal(forViewer.storage.clips, 0, "a viewer of the driveway is not told how many clips the porch made");
      assert.deepEqual(Object.keys(forViewer.cloud).sort(), ['since', 'state'], 'a viewer learns only whether the backup works, not when clips were uploaded');
      assert.ok(!('clips' in forInstaller.storage) && !('bytes' in forInstaller.storage) && forInstaller.storage.disk, 'an installer gets the disk, not the clip count');
      assert.ok(!('lastError' in (await get(member, '/api/dashboard')).json().cloud));
    });
  });

  describe('with a relay and a real S3 server', () => {
    let s3: S3Peer;
    let target: UploadTarget;
    let relay: Relay;

    beforeEach(async () => {
      s3 = await startS3(path.join(tmp.dir, 's3'));
      const relaySection = {
        target: { type: 's3', endpoint: s3.endpoint, bucket: s3.bucket, prefix: 'clips/', credentialsFile: s3.credentialsFile },
        pollSeconds: 0.05,
        probeSeconds: 0.2,
        retryBaseSeconds: 0.2,
        retryMaxSeconds: 1,
      };
      await startHub({ relay: { ...relaySection, retention: { localDays: 1 } } });
      const cfg = parseConfig({ dataDir: path.join(tmp.dir, 'hub'), relay: { ...relaySection, bandwidthBytesPerSecond: 150_000, retention: { localDays: 1 } } });
      target = createTarget(cfg);
      const paths = hubPaths(path.join(tmp.dir, 'hub'));
      relay = new Relay({
        db: t.db,
        clipsDir: paths.clips,
        thumbsDir: paths.thumbs,
        target,
        publicKey: (await loadFootageKeyPair(paths.footageKey)).publicKey,
        clock: systemClock,
        log: captureLog().log,
        config: cfg.relay,
      });
    });
    afterEach(async () => {
      await relay.stop();
      target.close();
      await s3.close();
    });

    const objectsOf = async (clipId: string) => {
      const row = t.db.prepare('SELECT object_name FROM upload_queue WHERE clip_id = ?').get(clipId) as { object_name: string } | undefined;
      return row ? (await s3.listObjects()).filter((o) => o.key.includes(row.object_name)).map((o) => o.key) : [];
    };
    const indexed = (clipId: string) => t.db.prepare('SELECT 1 FROM clips WHERE id = ?').get(clipId) !== undefined;

    it('deletes the cloud copy too, retrying while the cloud is offline, and forgets the clip', async () => {
      const porch = await pair('porch');
      // Recent clips: retention (which runs in the same pass) keeps them.
      const keep = await upload(porch, Date.now() - 7200_000);
      const gone = await upload(porch, Date.now() - 3600_000);
      await relay.pass();
      const name = (t.db.prepare('SELECT object_name FROM upload_queue WHERE clip_id = ?').get(gone) as { object_name: string }).object_name;
      assert.deepEqual((await objectsOf(gone)).sort(), [`clips/${name}.plc`, `clips/${name}.plm`]);
      assert.equal((await get(owner, `/api/clips/${gone}/thumbnail`)).status, 200);

      await s3.stop();
      const res = await del(owner, `/api/clips/${gone}`);
      assert.equal(res.json().cloudCopy, 'deleting');
      assert.deepEqual(await ids(owner), [keep], 'gone from the timeline at once, even offline');
      await relay.pass();
      assert.ok(indexed(gone), 'offline: the row waits for the cloud copy to go');

      await s3.start();
      await until('the relay to remove the cloud copy', async () => {
        await relay.pass();
        return !indexed(gone);
      }, 20_000, 100);
      const left = (await s3.listObjects()).map((o) => o.key);
      assert.ok(!left.some((k) => k.includes(name)), 'neither the clip object nor its manifest is left in the bucket');
      assert.equal(left.length, 2, 'the other clip and its manifest stay');
      assert.equal((await objectsOf(keep)).length, 2);
      assert.equal((await get(owner, `/api/clips/${keep}/video`)).status, 200);
    });

    it('removes the sealed thumbnail with the local copy, and then makes the picture from the cloud copy without keeping it', async () => {
      const porch = await pair('porch');
      const clipId = await upload(porch, Date.now() - 2 * 86_400_000);
      const first = await get(owner, `/api/clips/${clipId}/thumbnail`);
      assert.equal(first.status, 200);
      const thumb = path.join(hubPaths(path.join(tmp.dir, 'hub')).thumbs, clipId);
      assert.ok(existsSync(thumb));
      await relay.pass(); // uploads
      await t.hub.retention!.pass(); // the hub's retention (localDays 1) removes its copy
      const clip = (await get(owner, '/api/clips')).json().clips[0];
      assert.deepEqual([clip.local, clip.inCloud], [false, true], 'only in the cloud now');
      assert.ok(!existsSync(thumb), 'the thumbnail went with the local copy');
      const fromCloud = await get(owner, `/api/clips/${clipId}/thumbnail`);
      assert.equal(fromCloud.status, 200, fromCloud.body.toString());
      assert.deepEqual([...fromCloud.body.subarray(0, 2)], [0xff, 0xd8]);
      assert.ok(!existsSync(thumb), 'a cloud-only clip’s picture is not kept on the hub');
    });

    it('does not let an upload in flight bring a deleted clip back', async () => {
      const porch = await pair('porch');
      // ~600 kB at the 150 kB/s cap: the upload is still running when the owner deletes the clip.
      const big = Buffer.concat([mp4, Buffer.alloc(600_000, 7)]);
      const clipId = await upload(porch, Date.now() - 3600_000, big);
      const name = (t.db.prepare('SELECT object_name FROM upload_queue WHERE clip_id = ?').get(clipId) as { object_name: string }).object_name;
      const uploading = relay.pass();
      await sleep(300);
      assert.equal(relay.uploaded, 0, 'still uploading');
      assert.equal((await del(owner, `/api/clips/${clipId}`)).status, 200);
      await uploading;
      await until('the relay to remove what the upload left', async () => {
        await relay.pass();
        return !indexed(clipId);
      }, 20_000, 100);
      assert.ok(!(await s3.listObjects()).some((o) => o.key.includes(name)), 'no cloud object of the deleted clip');
      assert.deepEqual(await ids(owner), []);
      assert.equal(relay.status.state, 'online', 'a clip deleted mid-upload does not mark the cloud offline');
    });
  });
});

import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { Agent } from 'node:https';
import * as path from 'node:path';
import type { SMTPServer } from 'smtp-server';
import { pairWithHub } from '../../camera-agent/hubClient';
import { MAX_PUSH_PLAINTEXT_BYTES } from '../../common/api/push';
import { parseConfig } from '../../common/config';
import { hubPaths } from '../../common/dataLayout';
import { openDatabase, type DB } from '../../common/database';
import { DETECTION_META_HEADER, yuv420pBytes, type DetectedObject, type ObjectDetector } from '../../common/detection';
import { loadFootageKeyPair, wrapFootageKeyFile } from '../../common/footageKeys';
import { createLogger } from '../../common/logger';
import { listNotices } from '../../common/notices';
import type { PairResponse } from '../../common/protocol';
import { Hub } from '../../hub/hub';
import { openPairingWindow } from '../../hub/pairing';
import { addTestUser, JSON_HEADERS, PASSWORDS, signIn, type SignedIn } from '../helpers/hub';
import { call } from '../helpers/https';
import { FixedAnswerDetectorDouble } from '../helpers/objectDetectorDouble';
import { PUSH_SERVICE_MAX_BODY, startPushService, type BrowserSubscription, type PushService } from '../helpers/pushService';
import { mailParts, startSmtp, stop, type Received } from '../helpers/smtp';
import { useTempDir } from '../helpers/tmp';
import { until } from '../helpers/wait';

/*
 * Mailed and pushed notices of motion and object events, end to end on a real hub: a real SMTP
 * server, the tests' RFC 8030 push service (which decrypts, and refuses a body over 4096 bytes
 * as the vendors' services do), a camera paired for real and the detector's test double.
 */

const person: DetectedObject = { label: 'person', cocoClass: 'person', score: 0.9, box: [0.3, 0.2, 0.25, 0.6] };
const PASSPHRASE = 'a long passphrase for the footage key';
/** 19:32 UTC on a Sunday in December: 14:32 EST in New York. */
const EVENT_AT = Date.UTC(2026, 11, 6, 19, 32, 0);

/** A 320×180 yuv420p picture with some detail (a diagonal ramp), as a camera would send. */
function picture(): Buffer {
  const w = 320;
  const h = 180;
  const data = Buffer.alloc(yuv420pBytes(w, h), 128);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[y * w + x] = (x * 2 + y * 3) & 0xff;
  return data;
}

/** What ffprobe says the JPEG is: its codec and width; it must decode. */
function probeJpeg(jpeg: Buffer): { codec: string; width: number } {
  const out = spawnSync('ffprobe', ['-v', 'error', '-f', 'jpeg_pipe', '-i', 'pipe:0', '-show_entries', 'stream=codec_name,width', '-of', 'json'], { input: jpeg });
  assert.equal(out.status, 0, `ffprobe could not read the picture: ${out.stderr.toString()}`);
  const stream = (JSON.parse(out.stdout.toString()) as { streams: Array<{ codec_name: string; width: number }> }).streams[0]!;
  const decoded = spawnSync('ffmpeg', ['-v', 'error', '-f', 'jpeg_pipe', '-i', 'pipe:0', '-f', 'null', '-'], { input: jpeg });
  assert.equal(decoded.status, 0, `ffmpeg could not decode the picture: ${decoded.stderr.toString()}`);
  return { codec: stream.codec_name, width: stream.width };
}

describe('notices of motion and objects: the home\'s local time, a link to the hub, and pictures only when an owner opts in', function () {
  this.timeout(120_000);
  const tmp = useTempDir();
  let push: PushService;
  let smtp: { server: SMTPServer; port: number; inbox: Received[] };
  let hub: Hub | null = null;
  let db: DB | null = null;
  let base = '';
  let owner: SignedIn;
  let member: SignedIn;
  let cam: PairResponse;
  let phone: BrowserSubscription;

  const dir = () => path.join(tmp.dir, 'hub');
  async function startHub(detector: ObjectDetector | null): Promise<void> {
    const config = parseConfig({
      dataDir: dir(),
      hub: { host: '127.0.0.1', httpsPort: 0, httpPort: 0, notifyCooldownSeconds: 0, smtp: { host: '127.0.0.1', port: smtp.port, security: 'none', from: 'Porchlight <hub@home.test>' } },
    });
    hub = new Hub(config, createLogger('hub-test', process.env.NOTICE_TEST_LOG === '1' ? 'info' : 'error'), Date.now, undefined, detector, new Agent({ ca: push.caPem }));
    const runtime = await hub.start();
    db = openDatabase(hubPaths(dir()).db);
    base = `https://127.0.0.1:${runtime.httpsPort}`;
  }
  async function stopHub(): Promise<void> {
    db?.close();
    db = null;
    await hub?.stop();
    hub = null;
  }
  const send = (method: string, who: SignedIn, route: string, body?: unknown) =>
    call(base, method, route, body === undefined ? { headers: who.headers } : { body: JSON.stringify(body), headers: { ...who.headers, ...JSON_HEADERS } });

  /** A hub with an owner and a member (both with verified addresses), the owner's phone registered, the home in New York and armed. */
  async function household(detector: ObjectDetector | null): Promise<void> {
    await startHub(detector);
    await addTestUser(db!, 'owner');
    await addTestUser(db!, 'member');
    owner = await signIn(base, 'owner', PASSWORDS.owner);
    member = await signIn(base, 'member', PASSWORDS.member);
    phone = push.subscribe();
    assert.equal((await send('POST', owner, '/api/me/push/devices', { name: 'Pixel', ...phone.json })).status, 201);
    assert.equal((await send('PUT', owner, '/api/arming/settings', { timeZone: 'America/New_York' })).status, 200);
    assert.equal((await send('PUT', owner, '/api/arming/mode', { mode: 'armed_away' })).status, 200);
    cam = await pairWithHub(base, (await openPairingWindow(db!, 60_000)).code, 'porch');
  }

  const auth = () => ({ authorization: `Bearer ${cam.token}` });
  const motion = (kind: 'start' | 'end', at: number) =>
    call(base, 'POST', '/api/device/events', { body: JSON.stringify({ kind, mediaTime: 1, at }), headers: { ...auth(), 'content-type': 'application/json' } });
  const upload = (eventAt: number, frameAt: number) =>
    call(base, 'POST', '/api/device/detection-frames', {
      body: picture(),
      headers: { ...auth(), 'content-type': 'application/octet-stream', [DETECTION_META_HEADER]: JSON.stringify({ eventAt, frameAt, width: 320, height: 180 }) },
    });
  /** A person seen at `eventAt`: motion, one picture the detector double answers "person" for, the end. */
  async function personAt(eventAt: number): Promise<void> {
    assert.equal((await motion('start', eventAt)).status, 200);
    assert.equal((await upload(eventAt, eventAt + 500)).status, 200);
    assert.equal((await motion('end', eventAt + 4000)).status, 200);
  }
  const mailsTo = (who: string, subject: string) => smtp.inbox.filter((m) => m.to.includes(`${who}@home.test`) && m.headers.subject === subject);
  /** The motion and object notices pushed to the owner's phone (a sign-in from a new browser is pushed too). */
  const pushes = () => push.delivered.filter((d) => d.subscription === phone.id && d.payload.kind === 'motion');
  const attachments = (mail: Received) => mailParts(mail).filter((p) => /attachment/i.test(p.headers['content-disposition'] ?? ''));
  const textOf = (mail: Received) => mailParts(mail).find((p) => /text\/plain/i.test(p.headers['content-type'] ?? 'text/plain'))!.content.toString('utf8');

  beforeEach(async () => {
    push = await startPushService();
    smtp = await startSmtp();
  });
  afterEach(async () => {
    await stopHub();
    await stop(smtp.server);
    await push.close();
  });

  it('plain motion: the mail says what the phone says, "Motion at the porch" at 14:32 in New York (not 19:32 UTC), with the date, zone and a link to the live view', async () => {
    await household(null);
    assert.equal((await motion('start', EVENT_AT)).status, 200);
    await until('the mail', () => mailsTo('owner', 'Motion at the porch').length === 1);
    await until('the push', () => pushes().length === 1);
    const mail = mailsTo('owner', 'Motion at the porch')[0]!;
    const text = textOf(mail);
    const lines = text.split('\n');
    assert.equal(lines[0], 'Motion at the porch');
    assert.equal(lines[1], '14:32', 'the same body as the push: the home\'s wall clock');
    assert.ok(lines.includes('When: Sun, 6 Dec 2026, 14:32 EST'), text);
    assert.ok(lines.includes(`Watch live: ${base}/#/live?camera=${cam.deviceId}`), text);
    assert.ok(!text.includes('19:32'), 'no UTC time');
    assert.deepEqual(attachments(mail), []);
    assert.equal(pushes()[0]!.payload.title, 'Motion at the porch');
    assert.equal(pushes()[0]!.payload.body, '14:32');
    assert.match(listNotices(db!, 1).find((n) => n.kind === 'motion')!.message, /^Motion on porch at Sun, 6 Dec 2026, 14:32 EST\.$/);
  });

  it('a person: no picture by default; once an owner opts in, a JPEG attached to the mail and a tiny one in the push that fits one Web Push record', async () => {
    await household(new FixedAnswerDetectorDouble([person]));
    const subject = 'Person at the porch, 14:32';
    await personAt(EVENT_AT);
    await until('the mails', () => mailsTo('owner', subject).length === 1 && mailsTo('member', subject).length === 1);
    await until('the push', () => pushes().length === 1);
    const plain = mailsTo('owner', subject)[0]!;
    const text = textOf(plain);
    assert.ok(text.startsWith(`${subject}\nporch: tap to see the clip\n`), text);
    assert.ok(text.includes('When: Sun, 6 Dec 2026, 14:32 EST'), text);
    assert.ok(text.includes(`See the clip: ${base}/#/timeline?camera=${cam.deviceId}&at=${EVENT_AT}`), text);
    assert.deepEqual(attachments(plain), [], 'no picture attached by default');
    assert.ok(!/image\/jpeg/i.test(JSON.stringify(plain.headers)) && !plain.body.includes('image/jpeg'));
    assert.equal(pushes()[0]!.payload.title, subject);
    assert.ok(!('image' in pushes()[0]!.payload), 'no picture in the push by default');

    // The choice is the owner's: a member cannot send the household's pictures out of the home.
    assert.equal((await send('PUT', member, '/api/notifications/pictures', { mail: true, push: true })).status, 403);
    const bad = await send('PUT', owner, '/api/notifications/pictures', { mail: 'yes' });
    assert.equal(bad.status, 400);
    assert.match(bad.body.toString(), /attach a picture to email notices/);
    assert.equal((await send('PUT', owner, '/api/notifications/pictures', { picture: true })).status, 400, 'unknown fields are refused');
    assert.deepEqual((await send('GET', member, '/api/notifications/pictures')).json(), { mail: false, push: false });
    const on = await send('PUT', owner, '/api/notifications/pictures', { mail: true, push: true });
    assert.equal(on.status, 200, on.body.toString());
    assert.deepEqual(on.json(), { mail: true, push: true });
    assert.equal((db!.prepare("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'notices.pictures_changed'").get() as { n: number }).n, 1);

    const later = EVENT_AT + 10 * 60_000;
    const laterSubject = 'Person at the porch, 14:42';
    await personAt(later);
    await until('the mails with pictures', () => mailsTo('owner', laterSubject).length === 1 && mailsTo('member', laterSubject).length === 1);
    await until('the push with its picture', () => pushes().length === 2);
    for (const who of ['owner', 'member']) {
      const mail = mailsTo(who, laterSubject)[0]!;
      const [jpeg, ...more] = attachments(mail);
      assert.ok(jpeg && more.length === 0, `${who}: one picture attached`);
      assert.match(jpeg.headers['content-type']!, /^image\/jpeg/);
      assert.deepEqual(probeJpeg(jpeg.content), { codec: 'mjpeg', width: 320 }, 'the detection picture, 320 px wide, decodes');
      assert.match(textOf(mail), /The picture the detector chose is attached\./);
    }
    const got = pushes()[1]!;
    assert.deepEqual(push.refused, [], 'the push service took every push');
    assert.ok(got.bodyBytes <= PUSH_SERVICE_MAX_BODY, `${got.bodyBytes} bytes encrypted`);
    assert.ok(Buffer.byteLength(JSON.stringify(got.payload)) <= MAX_PUSH_PLAINTEXT_BYTES);
    const image = String(got.payload.image);
    assert.ok(image.startsWith('data:image/jpeg;base64,'), image.slice(0, 40));
    const small = probeJpeg(Buffer.from(image.slice('data:image/jpeg;base64,'.length), 'base64'));
    assert.equal(small.codec, 'mjpeg');
    assert.ok(small.width >= 64 && small.width < 320, `a small picture (${small.width} px)`);
    assert.equal(got.payload.title, laterSubject, 'the words are unchanged beside the picture');
    const sentJpegs = [attachments(mailsTo('owner', laterSubject)[0]!)[0]!.content, Buffer.from(image.slice('data:image/jpeg;base64,'.length), 'base64')];

    // Off again: no picture.
    assert.equal((await send('PUT', owner, '/api/notifications/pictures', { mail: false, push: false })).status, 200);
    await personAt(later + 10 * 60_000);
    await until('the third push', () => pushes().length === 3);
    await until('the mails', () => mailsTo('owner', 'Person at the porch, 14:52').length === 1 && mailsTo('member', 'Person at the porch, 14:52').length === 1);
    assert.deepEqual(attachments(mailsTo('owner', 'Person at the porch, 14:52')[0]!), []);
    assert.ok(!('image' in pushes()[2]!.payload));

    // The attacker's move: read every file of the hub's data directory. The pictures that were
    // mailed and pushed are in none of them (made in memory, wiped once sent).
    await stopHub();
    const files: string[] = [];
    const walk = async (d: string): Promise<void> => {
      for (const e of await fs.readdir(d, { withFileTypes: true })) {
        if (e.isDirectory()) await walk(path.join(d, e.name));
        else if (e.isFile()) files.push(path.join(d, e.name));
      }
    };
    await walk(dir());
    assert.ok(files.some((f) => f.endsWith('hub.db')), 'the database is among the files searched');
    for (const file of files) {
      const content = await fs.readFile(file);
      for (const jpeg of sentJpegs) {
        // Past the headers (quantisation and Huffman tables are alike in every ffmpeg JPEG): the picture's own bytes.
        for (let at = Math.min(700, jpeg.length - 32); at + 32 <= jpeg.length; at += 128) {
          assert.equal(content.indexOf(jpeg.subarray(at, at + 32)), -1, `${path.relative(dir(), file)} holds bytes of a sent picture`);
        }
      }
    }
  });

  it('with the footage key locked the notice still goes, without a picture; once unlocked the picture comes back', async () => {
    await household(new FixedAnswerDetectorDouble([person]));
    assert.equal((await send('PUT', owner, '/api/notifications/pictures', { mail: true, push: true })).status, 200);
    await stopHub();
    const keyFile = hubPaths(dir()).footageKey;
    await wrapFootageKeyFile(keyFile, await loadFootageKeyPair(keyFile), PASSPHRASE);
    await startHub(new FixedAnswerDetectorDouble([person]));
    owner = await signIn(base, 'owner', PASSWORDS.owner);
    const status = await send('GET', owner, '/api/system/footage-key');
    assert.equal((status.json() as { locked: boolean }).locked, true, 'the hub restarted locked');

    await personAt(EVENT_AT);
    await until('the mail', () => mailsTo('owner', 'Person at the porch, 14:32').length === 1);
    await until('the push', () => pushes().length === 1);
    assert.deepEqual(attachments(mailsTo('owner', 'Person at the porch, 14:32')[0]!), [], 'no picture while locked');
    assert.ok(!('image' in pushes()[0]!.payload), 'no picture in the push while locked');

    assert.equal((await send('POST', owner, '/api/system/footage-key/unlock', { passphrase: PASSPHRASE })).status, 200);
    await personAt(EVENT_AT + 10 * 60_000);
    await until('the mails after the unlock', () => mailsTo('owner', 'Person at the porch, 14:42').length === 1 && mailsTo('member', 'Person at the porch, 14:42').length === 1);
    await until('the push after the unlock', () => pushes().length === 2);
    assert.equal(attachments(mailsTo('owner', 'Person at the porch, 14:42')[0]!).length, 1, 'the picture is back once unlocked');
    assert.ok(String(pushes()[1]!.payload.image).startsWith('data:image/jpeg;base64,'));
  });
});

import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { openDatabase } from '../../common/database';
import { DEMO_GPIO, runDemo, type DemoSummary } from '../../simulator/demo';
import { gpioPress } from '../../simulator/gpioCommand';
import { getScene, scriptedEvents } from '../../camera-agent/scenes';
import { useTempDir } from '../helpers/tmp';
import { hasPlainMp4, probeDuration } from '../helpers/media';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- s3rver ships no types; the members used are typed here
const S3rver = require('s3rver') as new (options: Record<string, unknown>) => {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
};

const CLI = path.join(__dirname, '..', '..', '..', 'bin', 'porchlight.js');
const PRE_ROLL = 3;
const FRAGMENT = 1;
const ANALYSIS_FRAME = 0.2;
const MAX_CLIP = 30;

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(p));
    else if (entry.isFile()) out.push(p);
  }
  return out;
}

describe('pipeline: simulated camera → ffmpeg → motion → encrypted clip → hub → relay → S3', function () {
  this.timeout(240_000);
  const tmp = useTempDir();

  it('records, stores and uploads a covering, decryptable clip for every scripted event, and no plaintext anywhere', async () => {
    const s3dir = path.join(tmp.dir, 's3');
    mkdirSync(s3dir);
    const s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: s3dir, configureBuckets: [{ name: 'footage' }] });
    const { port } = await s3.run();
    const endpoint = `http://127.0.0.1:${port}`;
    const credentialsFile = path.join(tmp.dir, 's3-credentials.yaml');
    writeFileSync(credentialsFile, 'accessKeyId: S3RVER\nsecretAccessKey: S3RVER\n', { mode: 0o600 });
    const dataDir = path.join(tmp.dir, 'demo');
    // A hand on the driveway camera's simulated pins (another process, as a developer would):
    // its PIR sees 2 s of motion early on, and its recording LED is watched all along.
    const pins = path.join(dataDir, 'gpio', 'driveway');
    const led = { lit: false, last: '' };
    let running = true;
    const readLed = () => {
      try {
        led.last = readFileSync(path.join(pins, `gpio${DEMO_GPIO.recordingLed}`), 'utf8').trim();
        if (led.last === '1') led.lit = true;
      } catch {
        // Not opened yet.
      }
    };
    const watchLed = setInterval(readLed, 100);
    const pirPressed = (async () => {
      const pirFile = path.join(pins, `gpio${DEMO_GPIO.pir}`);
      while (running && !existsSync(pirFile)) await new Promise((r) => setTimeout(r, 100));
      await new Promise((r) => setTimeout(r, 4000));
      if (running) await gpioPress(pins, DEMO_GPIO.pir, 2000);
    })();
    let summary: DemoSummary;
    try {
      summary = await runDemo({
        dataDir,
        duration: 40,
        relayTarget: { type: 's3', endpoint, region: 'us-east-1', bucket: 'footage', prefix: 'clips/', forcePathStyle: true, verifyEtag: true, credentialsFile },
        agentOverrides: { video: { width: 640, height: 360 }, recording: { preRollSeconds: PRE_ROLL, postRollSeconds: 3, clipSeconds: MAX_CLIP } },
        say: () => undefined,
      });
      running = false;
      clearInterval(watchLed);
      await pirPressed;
      readLed();

      // Every scripted event has a clip that covers it, within the pre-roll bounds.
      const db = openDatabase(path.join(dataDir, 'hub', 'hub.db'));
      const clips = db
        .prepare('SELECT c.id, c.device_id AS deviceId, c.media_start AS s, c.media_end AS e, d.name, q.state, q.object_name AS object FROM clips c JOIN devices d ON d.id = c.device_id JOIN upload_queue q ON q.clip_id = c.id')
        .all() as Array<{ id: string; deviceId: string; s: number; e: number; name: string; state: string; object: string }>;
      const pir = db
        .prepare(`SELECT e.media_time AS t FROM motion_events e JOIN devices d ON d.id = e.device_id WHERE d.name = 'driveway' AND e.kind = 'start' AND e.source = 'pir'`)
        .all() as Array<{ t: number }>;
      db.close();
      assert.ok(summary.scriptedEvents >= 2, `expected scripted events, got ${JSON.stringify(summary)}`);
      for (const cam of summary.cameras) {
        const events = scriptedEvents(getScene(cam.scene), cam.streamSeconds);
        assert.ok(events.length >= 1, `${cam.name}: no scripted event happened`);
        for (const ev of events) {
          const covering = clips.find((c) => c.name === cam.name && c.s < ev.start && c.e >= Math.min(ev.end, c.s + MAX_CLIP));
          assert.ok(covering, `${cam.name}: no clip covers ${ev.label} ${ev.start}–${ev.end} s (clips: ${JSON.stringify(clips)})`);
          // At least the pre-roll before the real onset; at most one analysis frame and one fragment more.
          const lead = ev.start - covering.s;
          assert.ok(lead >= PRE_ROLL - 0.01 && lead <= PRE_ROLL + ANALYSIS_FRAME + FRAGMENT + 0.01, `${cam.name}: clip starts ${lead} s before the event`);
        }
      }
      // The PIR alone raised motion on the driveway (a quiet moment of its scene), a clip covers
      // it, and the recording LED was lit while it recorded and is dark now.
      assert.equal(pir.length, 1, 'one PIR-raised motion start on the driveway');
      assert.ok(clips.some((c) => c.name === 'driveway' && c.s <= pir[0]!.t && c.e >= pir[0]!.t + 2), 'a clip covers the PIR motion');
      assert.equal(led.lit, true, 'the driveway LED was lit while it recorded');
      assert.equal(led.last, '0', 'the LED is dark once the camera stopped');

      assert.equal(summary.clipsUploaded, summary.clipsStored, 'every stored clip was uploaded');
      assert.ok(clips.every((c) => c.state === 'uploaded'));

      // The bucket, read with an independent client, holds exactly the uploaded clips.
      const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
      const listed = await client.send(new ListObjectsV2Command({ Bucket: 'footage' }));
      const keys = (listed.Contents ?? []).map((o) => o.Key!).sort();
      assert.deepEqual(keys.filter((k) => k.endsWith('.plc')), clips.map((c) => `clips/${c.object}.plc`).sort());
      assert.deepEqual(keys.filter((k) => k.endsWith('.plm')), clips.map((c) => `clips/${c.object}.plm`).sort(), 'a sealed manifest beside each clip');
      for (const key of keys) assert.doesNotMatch(key, /[0-9a-f]{8}-[0-9a-f]{4}-/, 'object names do not reveal clip ids');
      // The cloud's view, as its operator would read it: no object, and no file of the bucket's
      // storage (object metadata included), names a clip or a camera. It may count objects and see
      // their sizes and upload times; it cannot tell which camera made them or rebuild a camera's day.
      const identifiers = [...new Set(clips.flatMap((c) => [c.id, c.deviceId, c.name]))];
      for (const key of keys) {
        const obj = Buffer.from(await (await client.send(new GetObjectCommand({ Bucket: 'footage', Key: key }))).Body!.transformToByteArray());
        for (const id of identifiers) assert.equal(obj.includes(id), false, `the cloud object ${key} names ${id}`);
      }
      for (const file of filesUnder(s3dir)) {
        const bytes = readFileSync(file);
        for (const id of identifiers) assert.equal(bytes.includes(id), false, `the bucket's file ${file} names ${id}`);
      }

      // Recovery: export the key with a passphrase, decrypt each uploaded object, ffprobe it.
      const passFile = path.join(tmp.dir, 'pass');
      writeFileSync(passFile, 'a recovery passphrase\n');
      const keyFile = path.join(tmp.dir, 'recovery.key');
      execFileSync(process.execPath, [CLI, 'keys', 'export', '--data', path.join(dataDir, 'hub'), '--out', keyFile, '--passphrase-file', passFile]);
      for (const clip of clips) {
        const obj = await client.send(new GetObjectCommand({ Bucket: 'footage', Key: `clips/${clip.object}.plc` }));
        const encrypted = Buffer.from(await obj.Body!.transformToByteArray());
        assert.equal(hasPlainMp4(encrypted), false);
        const encFile = path.join(tmp.dir, `${clip.object}.plc`);
        writeFileSync(encFile, encrypted);
        const mp4 = path.join(tmp.dir, `${clip.id}.mp4`);
        execFileSync(process.execPath, [CLI, 'clip', 'decrypt', '--key', keyFile, '--passphrase-file', passFile, encFile, mp4]);
        assert.ok(hasPlainMp4(readFileSync(mp4)));
        const duration = probeDuration(mp4);
        assert.ok(Math.abs(duration - (clip.e - clip.s)) < 0.6, `clip ${clip.id}: ffprobe says ${duration} s, index says ${clip.e - clip.s} s`);
      }
      client.destroy();

      // No MP4 in the clear in any data dir or in the bucket's storage.
      for (const file of [...filesUnder(dataDir), ...filesUnder(s3dir)]) {
        if (statSync(file).size === 0) continue;
        assert.equal(hasPlainMp4(readFileSync(file)), false, `${file} holds a plaintext MP4`);
      }
    } finally {
      running = false;
      clearInterval(watchLed);
      await s3.close();
    }
  });
});

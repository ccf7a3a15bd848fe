import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ClipRecorder, type RecorderSettings } from '../../camera-agent/clipRecorder';
import { Fmp4Splitter, type Fragment } from '../../common/fmp4';
import { RecordingLed } from '../../camera-agent/recordingLed';
import { SimulatedGpioBank } from '../../common/gpio';
import { generateFootageKeyPair } from '../../common/footageKeys';
import { createLogger } from '../../common/logger';
import type { ClipUploadMeta } from '../../common/protocol';
import { makeTestMp4 } from '../helpers/media';
import { useTempDir } from '../helpers/tmp';

const log = createLogger('recorder-test', 'silent');
const SETTINGS: RecorderSettings = { armed: true, preRollSeconds: 2, postRollSeconds: 1, clipSeconds: 30, endEarly: true };

describe('clip recorder', function () {
  this.timeout(60_000);
  const tmp = useTempDir();
  let init: Buffer;
  let fragments: Fragment[];
  let publicKey: Uint8Array;

  before(async () => {
    // 12 s of real H.264 from ffmpeg, one keyframe (one fragment) per second.
    const out = new Fmp4Splitter().push(makeTestMp4(tmp.dir, 12));
    init = out.init!;
    fragments = out.fragments;
    assert.equal(fragments.length, 12);
    publicKey = (await generateFootageKeyPair()).publicKey;
  });

  /** Plays the fragments in order; `motion` is called as each fragment arrives, with its start time. */
  async function record(settings: Partial<RecorderSettings>, motion: (at: number, r: ClipRecorder) => void, led?: RecordingLed) {
    const spool = await fs.mkdtemp(path.join(tmp.dir, 'spool-'));
    const clips: ClipUploadMeta[] = [];
    const r = new ClipRecorder({ ...SETTINGS, ...settings }, spool, 'cam-1', publicKey, log, (m) => clips.push(m), led);
    r.onStream(init, 1_000_000);
    for (const f of fragments) {
      motion(f.start, r);
      r.onFragment(f);
      // Fragments come a second apart from a camera: by the next one, what the recorder had is on
      // disk (waited for, not guessed: a fixed pause failed under CI's load), and the LED has followed.
      await r.settled();
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    r.onStreamEnd();
    await r.stop();
    return { clips: clips.sort((a, b) => a.mediaStart - b.mediaStart), files: (await fs.readdir(spool)).sort() };
  }

  it('starts the pre-roll before the onset and, ending early, stops after the post-roll', async () => {
    const { clips, files } = await record({}, (at, r) => {
      if (at === 5) r.onMotion({ kind: 'start', time: 5.3 });
      if (at === 7) r.onMotion({ kind: 'end', time: 6.5 });
    });
    assert.equal(clips.length, 1);
    assert.equal(clips[0]!.mediaStart, 3, 'the last fragment starting at or before 5.3 − 2 s');
    assert.equal(clips[0]!.mediaEnd, 8, 'the first fragment reaching 6.5 + 1 s');
    assert.equal(clips[0]!.startedAt, 1_003_000);
    assert.deepEqual(files, [`${clips[0]!.clipId}.json`, `${clips[0]!.clipId}.plc`], 'no temp file left');
  });

  it('without endEarly, records the full clip length even after motion stopped', async () => {
    const { clips } = await record({ endEarly: false, clipSeconds: 6 }, (at, r) => {
      if (at === 5) r.onMotion({ kind: 'start', time: 5 });
      if (at === 6) r.onMotion({ kind: 'end', time: 5.5 });
    });
    assert.deepEqual(clips.map((c) => [c.mediaStart, c.mediaEnd]), [[3, 9]]);
  });

  it('cuts long motion at the clip length and goes on in a new clip', async () => {
    const { clips } = await record({ clipSeconds: 5 }, (at, r) => {
      if (at === 2) r.onMotion({ kind: 'start', time: 2 });
    });
    assert.deepEqual(clips.map((c) => [c.mediaStart, c.mediaEnd]), [[0, 5], [5, 10], [10, 12]]);
  });

  it('opens the clip with the first fragment when motion starts before any fragment arrived (a long keyframe interval)', async () => {
    const spool = await fs.mkdtemp(path.join(tmp.dir, 'spool-'));
    const clips: ClipUploadMeta[] = [];
    const r = new ClipRecorder(SETTINGS, spool, 'cam-1', publicKey, log, (m) => clips.push(m));
    r.onStream(init, 0);
    r.onMotion({ kind: 'start', time: 0.5 });
    for (const f of fragments.slice(0, 4)) r.onFragment(f);
    r.onMotion({ kind: 'end', time: 1 });
    for (const f of fragments.slice(4)) r.onFragment(f);
    await r.stop();
    assert.deepEqual(clips.map((c) => [c.mediaStart, c.mediaEnd]), [[0, 2]]);
  });

  it('keeps the recording LED on from the first byte until the clip is on disk, and records nothing when disarmed', async () => {
    const bank = new SimulatedGpioBank();
    const led = new RecordingLed(bank.provider(), { line: 18, activeLow: false }, log);
    led.start();
    const seen: Array<[number, boolean]> = [];
    const { clips } = await record(
      {},
      (at, r) => {
        seen.push([at, bank.isOn(18)]);
        if (at === 5) r.onMotion({ kind: 'start', time: 5 });
        if (at === 6) r.onMotion({ kind: 'end', time: 6 });
      },
      led,
    );
    assert.deepEqual(clips.map((c) => [c.mediaStart, c.mediaEnd]), [[3, 7]]);
    const lit = seen.filter(([, on]) => on).map(([at]) => at);
    assert.deepEqual(lit, [6], 'on from the motion start (at fragment 5) until fragment 6 closed the clip');
    assert.equal(bank.isOn(18), false, 'off once the clip is on disk');
    await led.close();

    const disarmed = await record({ armed: false }, (at, r) => at === 5 && r.onMotion({ kind: 'start', time: 5 }));
    assert.deepEqual(disarmed.clips, []);
    assert.deepEqual(disarmed.files, []);
  });

  it("follows the hub's arming as it changes: disarming lets the clip finish, privacy ends it at once, arming records again", async () => {
    const disarmed = await record({}, (at, r) => {
      if (at === 5) r.onMotion({ kind: 'start', time: 5 });
      if (at === 7) r.setArmed(false);
      if (at === 9) r.onMotion({ kind: 'end', time: 9 });
      if (at === 14) r.onMotion({ kind: 'start', time: 14 });
    });
    assert.deepEqual(disarmed.clips.map((c) => [c.mediaStart, c.mediaEnd]), [[3, 10]], 'the clip in progress ends as usual; no clip while disarmed');
    const privacy = await record({}, (at, r) => {
      if (at === 5) r.onMotion({ kind: 'start', time: 5 });
      if (at === 7) r.setArmed(false, true);
      if (at === 8) r.setArmed(true);
      if (at === 9) r.onMotion({ kind: 'start', time: 9 });
      if (at === 10) r.onMotion({ kind: 'end', time: 10 });
    });
    assert.deepEqual(
      privacy.clips.map((c) => [c.mediaStart, c.mediaEnd]),
      [[3, 7], [8, 11]],
      'privacy cuts the clip at once; re-armed with the motion still going on, it records again from the first fragment after privacy, none from during it',
    );
  });

  it('records a motion already going on when the camera is armed, with the pre-roll it holds', async () => {
    const { clips } = await record({ armed: false }, (at, r) => {
      if (at === 3) r.onMotion({ kind: 'start', time: 3 });
      if (at === 6) r.setArmed(true);
      if (at === 8) r.onMotion({ kind: 'end', time: 8 });
    });
    // Armed as fragment 6 arrives (fragments 0–5 buffered): from 6 − 2 s of pre-roll to 8 + 1 s of post-roll.
    assert.deepEqual(clips.map((c) => [c.mediaStart, c.mediaEnd]), [[4, 9]]);
  });

  it('records nothing of what the camera saw in privacy mode, not even as the pre-roll of the next clip', async () => {
    const { clips } = await record({}, (at, r) => {
      if (at === 2) r.setArmed(false, true);
      if (at === 6) r.setArmed(true);
      if (at === 7) r.onMotion({ kind: 'start', time: 7 });
      if (at === 8) r.onMotion({ kind: 'end', time: 8 });
    });
    // Privacy from fragment 2 to 5: the pre-roll of a motion at 7 reaches back only to fragment 6.
    assert.deepEqual(clips.map((c) => [c.mediaStart, c.mediaEnd]), [[6, 9]]);
  });
});

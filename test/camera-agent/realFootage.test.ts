import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Capture } from '../../camera-agent/capture';
import { ClipRecorder } from '../../camera-agent/clipRecorder';
import { MotionDetector } from '../../camera-agent/motionDetector';
import { gateSettingsFor, MotionGate, type GateEvent } from '../../camera-agent/motionGate';
import { resolveSource } from '../../camera-agent/videoSource';
import { decryptClipFile } from '../../common/clipDecryption';
import { parseConfig } from '../../common/config';
import { generateFootageKeyPair } from '../../common/footageKeys';
import { createLogger } from '../../common/logger';
import type { ClipUploadMeta } from '../../common/protocol';
import { probeStreamsOf } from '../helpers/cameraRecording';
import { startRtspCamera, type RtspCamera } from '../helpers/rtspServer';
import { skipBecause } from '../helpers/skip';
import { useTempDir } from '../helpers/tmp';

/*
 * Real CCTV footage (Debian's opencv-doc vtest.avi: pedestrians on a campus, 768×576 MPEG-4
 * part 2), transcoded to H.264 by the test camera's publisher and served over RTSP, through
 * the agent's own capture, detector, gate and recorder. Its figures are printed on their own,
 * apart from the synthetic scenes' scores.
 */
const VTEST = '/usr/share/doc/opencv-doc/examples/data/vtest.avi';
const SECONDS = 30;

describe('real footage over RTSP (opencv-doc vtest.avi)', function () {
  this.timeout(180_000);
  const tmp = useTempDir();
  let camera: RtspCamera | undefined;
  after(async () => camera?.close());

  it('gives motion events while people walk, and clips that decrypt and play', async function () {
    if (!existsSync(VTEST)) skipBecause(this, 'opencv-doc is not installed (scripts/test-setup.sh installs it)');
    camera = await startRtspCamera({ dir: tmp.dir, mounts: { cam: { width: 768, height: 576, fps: 10, keyframeSeconds: 1, input: VTEST } } });
    const config = parseConfig({
      agent: {
        source: camera.url('cam'),
        video: { width: 768, height: 576, fps: 10 },
        recording: { preRollSeconds: 1, postRollSeconds: 1, clipSeconds: 10 },
      },
    }).agent;
    const log = createLogger('real-footage-test', 'silent');
    const source = await resolveSource(config);
    assert.equal(source.copyH264, true);
    const v = config.video;
    const detector = new MotionDetector(v.analysisWidth, v.analysisHeight, v.analysisFps, config.motion);
    const gate = new MotionGate(gateSettingsFor(config.motion, v.analysisFps));
    const keys = await generateFootageKeyPair();
    const spool = path.join(tmp.dir, 'spool');
    await fs.mkdir(spool);
    const clips: ClipUploadMeta[] = [];
    const recorder = new ClipRecorder(config.recording, spool, 'vtest', keys.publicKey, log, (m) => clips.push(m));
    const capture = new Capture(source, config, log);
    const events: GateEvent[] = [];
    let moving = 0;
    let frames = 0;
    // Footage that moves from its first frame: ffmpeg's analysis output can run ahead of its MP4
    // one, and a motion start analysed before the init segment was in would have nothing to be
    // recorded into. Capture analyses no frame before 'stream'.
    let streaming = false;
    let framesBeforeStream = 0;
    capture.on('stream', (s) => {
      recorder.onStream(s.init, s.wallStart);
      streaming = true;
    });
    capture.on('fragment', (f) => recorder.onFragment(f));
    capture.on('frame', (frame) => {
      if (!streaming) framesBeforeStream += 1;
      frames += 1;
      const verdict = detector.process(frame.data);
      if (verdict.motion) moving += 1;
      const event = gate.push(frame.time, verdict.regions);
      if (!event) return;
      events.push(event);
      recorder.onMotion({ kind: event.kind, time: event.time });
    });
    capture.start();
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    await capture.stop();
    const end = gate.close(frames / v.analysisFps);
    if (end) recorder.onMotion({ kind: end.kind, time: end.time });
    recorder.onStreamEnd();
    await recorder.stop();

    assert.equal(framesBeforeStream, 0, 'analysis frames arrived before the stream they belong to');
    const starts = events.filter((e) => e.kind === 'start');
    const played: number[] = [];
    for (const clip of clips) {
      const file = path.join(tmp.dir, `${clip.clipId}.mp4`);
      await decryptClipFile(keys, path.join(spool, `${clip.clipId}.plc`), file);
      const streams = probeStreamsOf(file);
      assert.equal(streams.find((s) => s.codec_type === 'video')?.codec_name, 'h264');
      // Plays: every frame decodes without an error.
      execFileSync('ffmpeg', ['-v', 'error', '-xerror', '-i', file, '-f', 'null', '-']);
      played.push(Number(streams.find((s) => s.codec_type === 'video')!.duration));
    }
    const seconds = played.reduce((a, b) => a + b, 0);
    // Real footage, reported on its own (not part of the synthetic scenes' scores).
    console.log(
      `      vtest.avi over RTSP, ${SECONDS} s: ${frames} analysis frames, ${moving} with motion (${((100 * moving) / Math.max(1, frames)).toFixed(0)} %), ` +
        `${starts.length} motion events, ${clips.length} clips (${seconds.toFixed(1)} s) decrypted and played`,
    );
    assert.ok(frames >= (SECONDS - 10) * v.analysisFps, `${frames} analysis frames`);
    assert.ok(starts.length >= 1, 'people walking through the picture start a motion event');
    assert.ok(moving > frames / 2, 'people walk through most of the footage');
    assert.ok(clips.length >= 1, 'motion was recorded');
    assert.ok(seconds >= 5, `${seconds} s of clips`);
  });
});

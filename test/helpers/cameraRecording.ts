import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Capture, type AnalysisFrame } from '../../camera-agent/capture';
import { ClipRecorder } from '../../camera-agent/clipRecorder';
import type { VideoSource } from '../../camera-agent/videoSource';
import { decryptClipFile } from '../../common/clipDecryption';
import type { AgentConfig } from '../../common/config';
import type { Fragment } from '../../common/fmp4';
import { generateFootageKeyPair } from '../../common/footageKeys';
import type { Logger } from '../../common/logger';
import type { ClipUploadMeta } from '../../common/protocol';

/*
 * A camera's own recording path without a hub: the real Capture (ffmpeg) feeding the real
 * ClipRecorder, which encrypts each clip to the household key; the clip is then decrypted
 * as the hub's player would, and ffprobe says what is in it.
 */

export interface ProbedStream {
  codec_type: string;
  codec_name: string;
  profile?: string;
  width?: number;
  height?: number;
  duration?: string;
}

export function probeStreamsOf(file: string): ProbedStream[] {
  const out = execFileSync('ffprobe', ['-v', 'error', '-show_streams', '-of', 'json', file]).toString();
  return (JSON.parse(out) as { streams: ProbedStream[] }).streams;
}

export interface Recorded {
  clip: ClipUploadMeta;
  /** The decrypted MP4. */
  file: string;
  streams: ProbedStream[];
  frames: AnalysisFrame[];
  fragments: Fragment[];
  init: Buffer;
}

/**
 * Records from `source` until `fragments` fragments have come, with motion held from the
 * second fragment to the last, then decrypts the one clip.
 */
export async function recordOneClip(source: VideoSource, config: AgentConfig, dir: string, log: Logger, fragments = 6): Promise<Recorded> {
  const keys = await generateFootageKeyPair();
  const spool = path.join(dir, `spool-${Date.now()}`);
  await fs.mkdir(spool, { recursive: true });
  const clips: ClipUploadMeta[] = [];
  const recorder = new ClipRecorder(
    { ...config.recording, preRollSeconds: 0, postRollSeconds: 0, endEarly: true },
    spool,
    'cam-1',
    keys.publicKey,
    log,
    (m) => clips.push(m),
  );
  const capture = new Capture(source, config, log);
  const frames: AnalysisFrame[] = [];
  const seen: Fragment[] = [];
  let init: Buffer | undefined;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${seen.length} fragments within 60 s`)), 60_000);
    capture.on('stream', (s) => {
      init = s.init;
      recorder.onStream(s.init, s.wallStart);
    });
    capture.on('frame', (f) => frames.push(f));
    capture.on('fragment', (f) => {
      seen.push(f);
      if (seen.length === 2) recorder.onMotion({ kind: 'start', time: f.start });
      recorder.onFragment(f);
      if (seen.length === fragments) {
        recorder.onMotion({ kind: 'end', time: f.start });
        clearTimeout(timer);
        resolve();
      }
    });
    capture.start();
  });
  await capture.stop();
  recorder.onStreamEnd();
  await recorder.stop();
  if (clips.length !== 1) throw new Error(`expected one clip, got ${clips.length}`);
  const clip = clips[0]!;
  const file = path.join(dir, `${clip.clipId}.mp4`);
  await decryptClipFile(keys, path.join(spool, `${clip.clipId}.plc`), file);
  return { clip, file, streams: probeStreamsOf(file), frames, fragments: seen, init: init! };
}

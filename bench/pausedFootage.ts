import { execFile } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { writeFileAtomic } from '../common/atomicFile';

const run = promisify(execFile);

/*
 * Real CCTV footage (opencv-doc's vtest.avi: pedestrians on a campus) cut into segments with the
 * picture frozen between them, so that motion starts and ends like a porch camera's: a still
 * lead, then segment after segment of the real video, each followed by its own last frame held.
 * The segments are contiguous in vtest, so where the video resumes the first new frame is the
 * next real one: the onset is a frame time of the file, known exactly, not a guess.
 */

export const VTEST = '/usr/share/doc/opencv-doc/examples/data/vtest.avi';
const FPS = 10; // vtest's own rate

export interface PausedFootageSpec {
  /** Still seconds before the first segment. */
  leadSeconds: number;
  moveSeconds: number;
  stillSeconds: number;
  segments: number;
}

export interface PausedFootage {
  file: string;
  /** File time (s) of the first frame that differs from the frozen one before it, per segment. */
  onsets: number[];
  /** File time (s) where each segment's last frame starts being held. */
  stops: number[];
  durationSeconds: number;
  width: number;
  height: number;
  fps: number;
}

export function footageTimes(spec: PausedFootageSpec): Pick<PausedFootage, 'onsets' | 'stops' | 'durationSeconds'> {
  const onsets: number[] = [];
  const stops: number[] = [];
  for (let k = 0; k < spec.segments; k++) {
    const start = spec.leadSeconds + k * (spec.moveSeconds + spec.stillSeconds);
    // The first segment's first frame is the frozen lead itself; the video moves one frame later.
    // Every later segment starts at the vtest frame after the one held before it.
    onsets.push(k === 0 ? start + 1 / FPS : start);
    stops.push(start + spec.moveSeconds);
  }
  return { onsets, stops, durationSeconds: spec.leadSeconds + spec.segments * (spec.moveSeconds + spec.stillSeconds) };
}

/** Renders (once, cached by its spec) an H.264 file without B-frames, keyframe every second, as a camera's. */
export async function pausedFootage(cacheDir: string, spec: PausedFootageSpec, repeat = 1): Promise<PausedFootage> {
  if (!existsSync(VTEST)) throw new Error(`${VTEST} is missing: install opencv-doc (apt-get install opencv-doc)`);
  if (spec.segments * spec.moveSeconds > 79) throw new Error(`vtest.avi holds 79.5 s; ${spec.segments} segments of ${spec.moveSeconds} s do not fit`);
  await fs.mkdir(cacheDir, { recursive: true });
  const name = `vtest-paused-${spec.leadSeconds}-${spec.moveSeconds}-${spec.stillSeconds}-${spec.segments}`;
  const file = path.join(cacheDir, `${name}.mp4`);
  if (!existsSync(file)) {
    const parts: string[] = [];
    for (let k = 0; k < spec.segments; k++) {
      const a = k * spec.moveSeconds;
      const lead = k === 0 ? `tpad=start_mode=clone:start_duration=${spec.leadSeconds},` : '';
      parts.push(`[v${k}]trim=start=${a}:end=${a + spec.moveSeconds},setpts=PTS-STARTPTS,${lead}tpad=stop_mode=clone:stop_duration=${spec.stillSeconds}[s${k}]`);
    }
    const split = `[0:v]fps=${FPS},split=${spec.segments}${Array.from({ length: spec.segments }, (_, k) => `[v${k}]`).join('')}`;
    const graph = [split, ...parts, `${Array.from({ length: spec.segments }, (_, k) => `[s${k}]`).join('')}concat=n=${spec.segments}:v=1:a=0,format=yuv420p[out]`].join(';');
    const tmp = `${file}.tmp.mp4`;
    await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', VTEST, '-filter_complex', graph, '-map', '[out]', '-an', '-c:v', 'libx264', '-preset', 'ultrafast', '-profile:v', 'baseline', '-g', String(FPS), '-bf', '0', '-crf', '23', tmp], { maxBuffer: 1 << 20 });
    await fs.rename(tmp, file);
  }
  const one: PausedFootage = { file, ...footageTimes(spec), width: 768, height: 576, fps: FPS };
  if (repeat <= 1) return one;
  // The same file back to back (copied, not re-encoded): each join is one more cut, so one more event.
  const long = path.join(cacheDir, `${name}-x${repeat}.mp4`);
  if (!existsSync(long)) {
    const list = path.join(cacheDir, `${name}-x${repeat}.txt`);
    await writeFileAtomic(list, Array.from({ length: repeat }, () => `file '${file}'`).join('\n') + '\n', 0o644);
    const tmp = `${long}.tmp.mp4`;
    await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'concat', '-safe', '0', '-i', list, '-c', 'copy', tmp]);
    await fs.rename(tmp, long);
  }
  const onsets: number[] = [];
  const stops: number[] = [];
  for (let r = 0; r < repeat; r++) {
    onsets.push(...one.onsets.map((t) => t + r * one.durationSeconds));
    stops.push(...one.stops.map((t) => t + r * one.durationSeconds));
  }
  return { ...one, file: long, onsets, stops, durationSeconds: one.durationSeconds * repeat };
}

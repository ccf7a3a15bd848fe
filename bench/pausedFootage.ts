import { execFile, spawn } from 'node:child_process';
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
  const name = `vtest-paused-v2-${spec.leadSeconds}-${spec.moveSeconds}-${spec.stillSeconds}-${spec.segments}`;
  const file = path.join(cacheDir, `${name}.mp4`);
  if (!existsSync(file)) {
    // One ffmpeg per segment, each piping raw frames into one encoder, in turn: a single graph
    // (split + trims + concat) gave other lengths than asked from run to run; so did two
    // chained tpads. Frame numbers, not times; the onsets are checked on the result below.
    const move = Math.round(spec.moveSeconds * FPS);
    const tmp = `${file}.tmp.mp4`;
    const encoder = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-s', '768x576', '-r', String(FPS), '-i', '-', '-an', '-c:v', 'libx264', '-preset', 'ultrafast', '-profile:v', 'baseline', '-g', String(FPS), '-bf', '0', '-crf', '15', tmp], { stdio: ['pipe', 'ignore', 'inherit'] });
    const encoded = new Promise<void>((resolve, reject) => encoder.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg (encoding the footage) exited with ${code}`)))));
    for (let k = 0; k < spec.segments; k++) {
      const lead = k === 0 ? `start_mode=clone:start=${Math.round(spec.leadSeconds * FPS)}:` : '';
      const filter = `fps=${FPS},trim=start_frame=${k * move}:end_frame=${(k + 1) * move},setpts=N/(${FPS}*TB),tpad=${lead}stop_mode=clone:stop=${Math.round(spec.stillSeconds * FPS)}`;
      const segment = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', VTEST, '-vf', filter, '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-'], { stdio: ['ignore', 'pipe', 'inherit'] });
      segment.stdout.pipe(encoder.stdin, { end: false });
      const code = await new Promise<number | null>((resolve) => segment.once('close', resolve));
      if (code !== 0) throw new Error(`ffmpeg (segment ${k} of the footage) exited with ${code}`);
    }
    encoder.stdin.end();
    await encoded;
    await fs.rename(tmp, file);
  }
  const one: PausedFootage = { file, ...footageTimes(spec), width: 768, height: 576, fps: FPS };
  const seen = await measuredOnsets(file);
  const off = one.onsets.length !== seen.length || one.onsets.some((t, i) => Math.abs(t - seen[i]!) > 0.15);
  if (off) throw new Error(`${file}: the video resumes at ${seen.join(', ')} s, not at ${one.onsets.join(', ')} s as planned; delete it to render it again`);
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

/**
 * Where the video in `file` starts moving after at least 3 s without: frame times whose mean
 * absolute luma difference from the frame before exceeds 1 grey level (vtest's walkers give
 * 1.5–2 a frame; the encoder refining a frozen picture gives under 0.1 after its first second).
 */
export async function measuredOnsets(file: string): Promise<number[]> {
  const { stdout } = await run(
    'ffmpeg',
    ['-hide_banner', '-loglevel', 'error', '-i', file, '-vf', 'tblend=all_mode=difference,signalstats,metadata=print:key=lavfi.signalstats.YAVG:file=-', '-f', 'null', '-'],
    { maxBuffer: 64 << 20 },
  );
  const onsets: number[] = [];
  let time = 0;
  let quietSince: number | null = 0;
  for (const line of stdout.split('\n')) {
    const t = /pts_time:([\d.]+)/.exec(line);
    if (t) {
      time = Number(t[1]);
      continue;
    }
    const v = /YAVG=(\S+)/.exec(line);
    if (!v) continue;
    if (Number(v[1]) > 1) {
      if (quietSince !== null && time - quietSince >= 3) onsets.push(Math.round(time * 10) / 10);
      quietSince = null;
    } else if (Number(v[1]) < 0.5) quietSince ??= time;
    else quietSince = null;
  }
  return onsets;
}

/*
 * What a USB (V4L2) camera offers, read from `ffmpeg -f v4l2 -list_formats all -i /dev/videoN`
 * or `v4l2-ctl --list-formats-ext`, and which of it to ask for. The cheapest path to the H.264
 * that is recorded: H.264 from the camera is copied (no encoding at all); MJPEG is decoded
 * and encoded, but crosses USB 2 at full resolution and frame rate; raw YUYV is encoded
 * without decoding, but USB 2 carries it at 720p only at a few frames a second, so it comes
 * last unless it is all there is.
 */

export type V4l2Codec = 'h264' | 'mjpeg' | 'raw';

export interface FrameSize {
  width: number;
  height: number;
}

/** A size range of a stepwise/continuous format, e.g. the Pi's bcm2835 `{32-2592, 2}x{32-1944, 2}`. */
export interface SizeRange {
  minWidth: number;
  maxWidth: number;
  stepWidth: number;
  minHeight: number;
  maxHeight: number;
  stepHeight: number;
}

export interface V4l2Format {
  /** ffmpeg's name, given to `-input_format`: h264, mjpeg, yuyv422, nv12, … */
  name: string;
  codec: V4l2Codec;
  sizes: FrameSize[];
  ranges: SizeRange[];
}

export interface V4l2Choice {
  inputFormat: string;
  codec: V4l2Codec;
  width: number;
  height: number;
  /** The camera's H.264 is recorded as it comes. */
  copy: boolean;
}

function codecOf(name: string): V4l2Codec {
  if (name === 'h264') return 'h264';
  if (name === 'mjpeg' || name === 'jpeg') return 'mjpeg';
  return 'raw';
}

function parseSizes(text: string): { sizes: FrameSize[]; ranges: SizeRange[] } {
  const sizes: FrameSize[] = [];
  const ranges: SizeRange[] = [];
  for (const m of text.matchAll(/\{(\d+)-(\d+), (\d+)\}x\{(\d+)-(\d+), (\d+)\}/g)) {
    const [minWidth, maxWidth, stepWidth, minHeight, maxHeight, stepHeight] = m.slice(1).map(Number) as [number, number, number, number, number, number];
    ranges.push({ minWidth, maxWidth, stepWidth, minHeight, maxHeight, stepHeight });
  }
  for (const m of text.replace(/\{[^}]*\}x\{[^}]*\}/g, '').matchAll(/\b(\d+)x(\d+)\b/g)) sizes.push({ width: Number(m[1]), height: Number(m[2]) });
  return { sizes, ranges };
}

/** Formats from ffmpeg's `-list_formats all` (its stderr), lines like `Compressed: h264 : H.264 : 1920x1080 …`. */
export function parseFfmpegFormats(text: string): V4l2Format[] {
  const out: V4l2Format[] = [];
  for (const line of text.split('\n')) {
    const m = /(Raw|Compressed)\s*:\s*(\S+)\s*:\s*[^:]*:\s*(.*)$/.exec(line);
    if (!m) continue;
    const name = m[2]!;
    // ffmpeg lists formats it has no name for as "Unsupported"; they cannot be asked for.
    if (name === 'Unsupported') continue;
    out.push({ name, codec: codecOf(name), ...parseSizes(m[3]!) });
  }
  return out;
}

/** V4L2 fourcc codes as ffmpeg's `-input_format` names them. */
const FOURCC: Record<string, string> = {
  H264: 'h264', MJPG: 'mjpeg', JPEG: 'mjpeg', YUYV: 'yuyv422', UYVY: 'uyvy422', YU12: 'yuv420p',
  YV12: 'yuv420p', NV12: 'nv12', NV21: 'nv21', RGB3: 'rgb24', BGR3: 'bgr24', GREY: 'gray',
};

/** Formats from `v4l2-ctl --list-formats-ext`: `[0]: 'MJPG' (Motion-JPEG, compressed)`, then `Size: Discrete 1280x720`. */
export function parseV4l2CtlFormats(text: string): V4l2Format[] {
  const out: V4l2Format[] = [];
  let current: V4l2Format | null = null;
  for (const line of text.split('\n')) {
    const head = /^\s*\[\d+\]:\s*'(\w{3,4})\s*'/.exec(line);
    if (head) {
      const name = FOURCC[head[1]!];
      current = name ? { name, codec: codecOf(name), sizes: [], ranges: [] } : null;
      if (current) out.push(current);
      continue;
    }
    if (!current) continue;
    const discrete = /Size: Discrete (\d+)x(\d+)/.exec(line);
    if (discrete) current.sizes.push({ width: Number(discrete[1]), height: Number(discrete[2]) });
    const range = /Size: (?:Stepwise|Continuous) (\d+)x(\d+) - (\d+)x(\d+)(?: with step (\d+)\/(\d+))?/.exec(line);
    if (range) {
      const [minWidth, minHeight, maxWidth, maxHeight] = range.slice(1, 5).map(Number) as [number, number, number, number];
      current.ranges.push({ minWidth, maxWidth, stepWidth: Number(range[5] ?? 1), minHeight, maxHeight, stepHeight: Number(range[6] ?? 1) });
    }
  }
  // v4l2-ctl lists a fourcc once per name; formats ffmpeg spells alike (YU12 and YV12) are merged.
  const merged = new Map<string, V4l2Format>();
  for (const f of out) {
    const seen = merged.get(f.name);
    if (seen) {
      seen.sizes.push(...f.sizes);
      seen.ranges.push(...f.ranges);
    } else merged.set(f.name, f);
  }
  return [...merged.values()];
}

function offers(format: V4l2Format, want: FrameSize): boolean {
  if (format.sizes.some((s) => s.width === want.width && s.height === want.height)) return true;
  return format.ranges.some(
    (r) =>
      want.width >= r.minWidth && want.width <= r.maxWidth && (want.width - r.minWidth) % r.stepWidth === 0 &&
      want.height >= r.minHeight && want.height <= r.maxHeight && (want.height - r.minHeight) % r.stepHeight === 0,
  );
}

/** The largest size of the format no bigger than wanted, else its smallest. */
function nearest(format: V4l2Format, want: FrameSize): FrameSize | undefined {
  const all = [...format.sizes];
  for (const r of format.ranges) {
    all.push({ width: Math.min(r.maxWidth, Math.max(r.minWidth, want.width)), height: Math.min(r.maxHeight, Math.max(r.minHeight, want.height)) });
  }
  const area = (s: FrameSize) => s.width * s.height;
  const fitting = all.filter((s) => s.width <= want.width && s.height <= want.height).sort((a, b) => area(b) - area(a));
  return fitting[0] ?? all.sort((a, b) => area(a) - area(b))[0];
}

const COST: Record<V4l2Codec, number> = { h264: 0, mjpeg: 1, raw: 2 };

/**
 * The format to ask the camera for at the configured size: the cheapest codec that offers
 * that size exactly; when none does, the cheapest codec at its nearest size (scaled to the
 * configured size when encoded). Null when the camera lists nothing usable.
 */
export function chooseV4l2Format(formats: V4l2Format[], want: FrameSize): V4l2Choice | null {
  const byCost = [...formats].sort((a, b) => COST[a.codec] - COST[b.codec]);
  const exact = byCost.find((f) => offers(f, want));
  if (exact) return { inputFormat: exact.name, codec: exact.codec, ...want, copy: exact.codec === 'h264' };
  for (const f of byCost) {
    const size = nearest(f, want);
    if (size) return { inputFormat: f.name, codec: f.codec, ...size, copy: f.codec === 'h264' };
  }
  return null;
}

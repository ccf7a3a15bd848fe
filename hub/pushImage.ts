import { MAX_PUSH_PLAINTEXT_BYTES, type PushPayload } from '../common/api/push';
import { ffmpegJpeg } from './ffmpegJpeg';

/*
 * The picture in a push, when an owner opted in: the notice's JPEG made smaller and coarser by
 * ffmpeg (pipes only) until the whole payload, picture included as a data: URL, fits one Web
 * Push record (MAX_PUSH_PLAINTEXT_BYTES, RFC 8291). No fit at the smallest step: no picture,
 * and the words go alone. The first step that fits is taken: a few ffmpeg runs at most, each
 * a fraction of a second on a Pi, for a picture a phone shows at thumbnail size anyway.
 */

export const DATA_URL_PREFIX = 'data:image/jpeg;base64,';

/** Largest first: each step trades detail for size (ffmpeg's -q:v: 2 best … 31 coarsest). */
export const PUSH_IMAGE_STEPS: ReadonlyArray<{ width: number; quality: number }> = [
  { width: 192, quality: 6 },
  { width: 160, quality: 10 },
  { width: 128, quality: 16 },
  { width: 96, quality: 24 },
  { width: 64, quality: 31 },
];
const TIMEOUT_MS = 10_000;

/** The payload as sent with `image`: the bytes the limit counts. */
export function payloadBytes(payload: PushPayload, image: string): number {
  return Buffer.byteLength(JSON.stringify({ ...payload, image }));
}

/** The largest JPEG (bytes) whose data: URL still fits beside `payload`'s words; ≤ 0 when none does. */
export function imageBudget(payload: PushPayload): number {
  const room = MAX_PUSH_PLAINTEXT_BYTES - payloadBytes(payload, DATA_URL_PREFIX);
  return Math.floor(room / 4) * 3;
}

export function dataUrl(jpeg: Buffer): string {
  return DATA_URL_PREFIX + jpeg.toString('base64');
}

/** One smaller JPEG of `jpeg`: `width` pixels wide (aspect kept), no metadata. */
export async function shrinkJpeg(jpeg: Buffer, step: { width: number; quality: number }, ffmpegPath: string): Promise<Buffer | null> {
  return ffmpegJpeg({
    ffmpegPath,
    args: [
      '-hide_banner', '-loglevel', 'error',
      '-f', 'mjpeg', '-i', 'pipe:0',
      '-vf', `scale=${step.width}:-2`,
      '-frames:v', '1', '-q:v', String(step.quality),
      // No encoder comment, no EXIF: every byte left is picture.
      '-map_metadata', '-1', '-flags', '+bitexact', '-fflags', '+bitexact',
      '-f', 'mjpeg', 'pipe:1',
    ],
    input: jpeg,
    timeoutMs: TIMEOUT_MS,
  });
}

/**
 * The picture for `payload` (sent as is, `image` added) as a data: URL that keeps the payload
 * within one record, or null when even the smallest step does not fit (long words) or ffmpeg
 * fails. `shrink` is shrinkJpeg; tests pass their own.
 */
export async function fitPushImage(
  jpeg: Buffer,
  payload: PushPayload,
  shrink: (jpeg: Buffer, step: { width: number; quality: number }) => Promise<Buffer | null>,
): Promise<string | null> {
  if (imageBudget(payload) <= 0) return null;
  for (const step of PUSH_IMAGE_STEPS) {
    const small = await shrink(jpeg, step);
    if (!small) return null;
    const url = dataUrl(small);
    small.fill(0);
    if (payloadBytes(payload, url) <= MAX_PUSH_PLAINTEXT_BYTES) return url;
  }
  return null;
}

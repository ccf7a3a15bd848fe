import { yuv420pBytes, type DetectedObject, type DetectionFrame, type ObjectLabel } from '../common/detection';
import { pixelBox, scaledHeight } from './detectionThumbnailPolicy';
import { ffmpegJpeg } from './ffmpegJpeg';

/*
 * A detection picture (the camera's yuv420p) as a small JPEG with its objects' boxes drawn,
 * by ffmpeg through pipes only (ffmpegJpeg.ts). The caller seals the JPEG before it stores it.
 */

/** One colour per class, as Frigate draws them: the household tells a person from a car at a glance. */
export const BOX_COLOURS: Record<ObjectLabel, [number, number, number]> = {
  person: [255, 214, 10],
  vehicle: [10, 132, 255],
  animal: [48, 209, 88],
};
/** Outline thickness in thumbnail pixels (even: 4:2:0 chroma is per 2 × 2). */
export const BOX_THICKNESS = 4;
const TIMEOUT_MS = 15_000;

const hex = (rgb: [number, number, number]) => `0x${rgb.map((c) => c.toString(16).padStart(2, '0')).join('')}`;

/** ffmpeg's filter: scale to `width` (aspect kept), then one drawbox per object, weakest first so the best is on top. */
export function detectionFilter(frame: Pick<DetectionFrame, 'width' | 'height'>, objects: readonly DetectedObject[], width: number): string {
  const height = scaledHeight(frame.width, frame.height, width);
  const boxes = [...objects]
    .sort((a, b) => a.score - b.score)
    .map((o) => {
      const b = pixelBox(o.box, width, height, BOX_THICKNESS);
      return `drawbox=x=${b.x}:y=${b.y}:w=${b.w}:h=${b.h}:color=${hex(BOX_COLOURS[o.label])}:t=${BOX_THICKNESS}`;
    });
  // ffmpeg converts the camera's limited range to the JPEG's full range after the boxes.
  return [`scale=${width}:${height}`, ...boxes].join(',');
}

export interface RenderOptions {
  ffmpegPath: string;
  /** Thumbnail width in pixels (the height keeps the picture's aspect). */
  width: number;
}

/** The picture as a JPEG `width` pixels wide with the objects' boxes drawn. */
export function renderDetectionJpeg(frame: DetectionFrame, objects: readonly DetectedObject[], opts: RenderOptions): Promise<Buffer> {
  if (frame.data.length !== yuv420pBytes(frame.width, frame.height)) {
    return Promise.reject(new Error(`a ${frame.width}x${frame.height} yuv420p picture is ${yuv420pBytes(frame.width, frame.height)} bytes, not ${frame.data.length}`));
  }
  return ffmpegJpeg({
    ffmpegPath: opts.ffmpegPath,
    args: [
      '-hide_banner', '-loglevel', 'error',
      '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-s', `${frame.width}x${frame.height}`, '-i', 'pipe:0',
      '-vf', detectionFilter(frame, objects, opts.width),
      '-frames:v', '1', '-q:v', '5', '-f', 'mjpeg', 'pipe:1',
    ],
    input: frame.data,
    timeoutMs: TIMEOUT_MS,
  }).then((jpeg) => jpeg ?? Promise.reject(new Error('ffmpeg wrote no JPEG')));
}

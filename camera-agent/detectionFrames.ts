import { yuv420pBytes } from '../common/detection';
import { analysisFrameTime } from './analysisClock';

/*
 * The pictures the hub's object detector is sent while motion lasts: ffmpeg decodes them at a
 * low rate (agent.detection.fps) beside the motion analysis frames, and only the newest is kept
 * here, with the wall-clock time of the camera frame it shows. Nothing else is done with them
 * until motion starts (detectionUploads.ts): when nothing moves, the cost is reading the pipe.
 * They never touch the disk.
 */

export interface PictureSize {
  width: number;
  height: number;
}

/** A decoded detection picture: planar yuv420p, `frameAt` the wall-clock ms of the camera frame it was taken from. */
export interface DetectionPicture extends PictureSize {
  frameAt: number;
  data: Uint8Array;
}

/** The smallest side common/detection.ts's DetectionFrameMetaSchema accepts. */
const MIN_SIDE = 64;

const even = (x: number) => 2 * Math.round(x / 2);

/**
 * The detection picture's size: the analysed stream's picture scaled to fit within `maxWidth`
 * × 9/16 of it (640 × 360 by default), keeping its aspect, never enlarged, even on both sides
 * (yuv420p halves them).
 */
export function detectionSize(source: PictureSize, maxWidth: number): PictureSize {
  const { width, height } = source;
  if (!(width > 0 && height > 0) || !Number.isFinite(width) || !Number.isFinite(height)) throw new RangeError(`the analysed picture's size must be positive, got ${width}x${height}`);
  if (!Number.isInteger(maxWidth) || maxWidth < MIN_SIDE * 2 || maxWidth % 2 !== 0) throw new RangeError(`the detection width must be an even whole number ≥ ${MIN_SIDE * 2}, got ${maxWidth}`);
  const maxHeight = even((maxWidth * 9) / 16);
  const scale = Math.min(1, maxWidth / width, maxHeight / height);
  return { width: Math.max(MIN_SIDE, even(width * scale)), height: Math.max(MIN_SIDE, even(height * scale)) };
}

/**
 * ffmpeg's filter for detection pictures: `fps` (so frame n is dated like an analysis frame,
 * see analysisClock.ts), scaled to the exact size (the agent cuts the pipe by it), limited-range
 * yuv420p whatever range the camera sends (the hub converts to RGB by BT.601's limited range).
 */
export function detectionFilter(fps: number, size: PictureSize): string {
  return `fps=${fps},scale=${size.width}:${size.height}:out_range=tv,format=yuv420p`;
}

/**
 * Cuts ffmpeg's detection pipe into pictures and keeps the newest. One per camera; restart()
 * at every ffmpeg run (a new size, stream time from 0 again).
 */
export class DetectionFrames {
  private size: PictureSize = { width: 0, height: 0 };
  private frameBytes = 0;
  private frame: Uint8Array = new Uint8Array(0);
  private filled = 0;
  private index = 0;
  private latest: DetectionPicture | null = null;
  /** Whether `latest` went to someone (newest(), a waiter): then its bytes are theirs to keep. */
  private latestTaken = false;
  private waiters: Array<(picture: DetectionPicture) => void> = [];

  constructor(
    private readonly fps: number,
    /** The camera's frame rate, which dates the pictures (analysisClock.ts). */
    private readonly cameraFps: number,
  ) {
    if (!(fps > 0) || !Number.isFinite(fps)) throw new RangeError(`the detection rate must be a positive number of frames a second, got ${fps}`);
  }

  /** A new ffmpeg run with pictures of `size`: the old picture is dropped (its time belongs to the old stream). */
  restart(size: PictureSize): void {
    this.size = { ...size };
    this.frameBytes = yuv420pBytes(size.width, size.height);
    this.frame = new Uint8Array(this.frameBytes);
    this.filled = 0;
    this.index = 0;
    this.latest = null;
    this.latestTaken = false;
  }

  /** The stream ended: no picture is the newest any more. */
  clear(): void {
    this.latest = null;
    this.filled = 0;
  }

  /**
   * Bytes from the pipe. `wallTime` turns a picture's stream time (s) into wall-clock ms (the
   * capture's own clock for this run, the one analysis frames are dated by).
   */
  push(data: Buffer, wallTime: (streamSeconds: number) => number): void {
    if (this.frameBytes === 0) return;
    for (let offset = 0; offset < data.length; ) {
      const n = Math.min(this.frameBytes - this.filled, data.length - offset);
      this.frame.set(data.subarray(offset, offset + n), this.filled);
      this.filled += n;
      offset += n;
      if (this.filled < this.frameBytes) break;
      const time = analysisFrameTime(this.index, this.fps, this.cameraFps);
      this.index += 1;
      const picture: DetectionPicture = { ...this.size, frameAt: wallTime(time), data: this.frame };
      // A picture taken (newest(), a waiter) may be on its way to the hub: the next one is
      // written elsewhere. One nobody took — every picture while nothing moves — is cut into
      // again, rather than two fresh 345 kB buffers a second for the garbage collector.
      const previous = this.latest;
      this.frame = previous && !this.latestTaken && previous.data.length === this.frameBytes ? previous.data : new Uint8Array(this.frameBytes);
      this.filled = 0;
      this.latest = picture;
      this.latestTaken = false;
      if (this.waiters.length > 0) {
        this.latestTaken = true;
        const waiting = this.waiters;
        this.waiters = [];
        for (const w of waiting) w(picture);
      }
    }
  }

  newest(): DetectionPicture | null {
    if (this.latest) this.latestTaken = true;
    return this.latest;
  }

  /** Calls `then` once, with the next picture; returns a cancel. */
  whenNext(then: (picture: DetectionPicture) => void): () => void {
    this.waiters.push(then);
    return () => {
      this.waiters = this.waiters.filter((w) => w !== then);
    };
  }
}

import { yuv420pBytes } from '../common/detection';
import { analysisFrameTime } from './analysisClock';

/*
 * The pictures the hub's object detector is sent while motion lasts: ffmpeg takes them at a
 * low rate (agent.detection.fps) from the frames it decodes for motion analysis, and only the
 * newest is kept here, with the wall-clock time of the camera frame it shows. They never touch
 * the disk.
 *
 * While nothing moves nobody wants them, so ffmpeg makes none: a gate in its filter graph
 * (DETECTION_GATE, a `shuffleframes` that drops every frame) stands between the `fps` filter
 * and the scaling, and the agent opens it at motion start by a command on ffmpeg's stdin
 * (`gateCommand`), closing it again when motion ends. Closed, the detection branch costs a
 * dropped frame reference per decoded frame: no scaling, no pipe, no Node. Because the gate
 * drops pictures, a picture's place in the pipe no longer says which `fps` tick it is: ffmpeg
 * writes each picture's tick (its pts in 1/fps units) on a second pipe (`framecrc` of a 2×2
 * crop of the same picture), and the picture is dated by that tick (analysisClock.ts), the
 * n-th time with the n-th picture.
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

/** The gate's name in ffmpeg's filter graph, the target of `gateCommand`. */
export const DETECTION_GATE = 'shuffleframes@detectiongate';

/**
 * ffmpeg's filter graph for detection pictures, from `input` to the labels `pictures` and
 * `ticks`: `fps` (so tick n is dated like analysis frame n, see analysisClock.ts), the gate
 * (open at start when `open`), scaled to the exact size (the agent cuts the pipe by it),
 * limited-range yuv420p whatever range the camera sends (the hub converts to RGB by BT.601's
 * limited range); and a 2×2 crop of the same picture whose only use is its tick.
 *
 * The gate is shuffleframes with mapping -1 (drop every frame) under ffmpeg's generic timeline
 * `enable`: enabled it drops, disabled it passes the frame on untouched. Closed is its plain
 * state; `enable=0` opens it.
 */
export function detectionFilter(fps: number, size: PictureSize, open: boolean, input: string, pictures: string, ticks: string): string {
  const gate = `${DETECTION_GATE}=mapping=-1${open ? ':enable=0' : ''}`;
  return `${input}fps=${fps},${gate},scale=${size.width}:${size.height}:out_range=tv,format=yuv420p,split=2${pictures}[dt];[dt]crop=2:2:0:0${ticks}`;
}

/**
 * The line for ffmpeg's stdin that opens or closes the gate now (`c`: a command to the filter
 * at once; time -1). ffmpeg reads its stdin about every 100 ms.
 */
export function gateCommand(open: boolean): string {
  return `c${DETECTION_GATE} -1 enable ${open ? 0 : 1}\n`;
}

/**
 * The ticks in ffmpeg's `framecrc` text: one line per picture, `stream, dts, pts, duration,
 * size, checksum`, the pts in the stream's 1/fps time base; lines starting with # are its
 * header. Returns the ticks of the whole lines and what is left of an unfinished one.
 */
export function parseTicks(text: string): { ticks: number[]; rest: string } {
  const lines = text.split('\n');
  const rest = lines.pop() ?? '';
  const ticks: number[] = [];
  for (const line of lines) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const pts = Number(line.split(',')[2]);
    if (!Number.isInteger(pts) || pts < 0) throw new Error(`ffmpeg's picture timing line "${line.slice(0, 80)}" has no tick`);
    ticks.push(pts);
  }
  return { ticks, rest };
}

/** Pictures or ticks waiting for their other half beyond this mean the two pipes disagree: start over. */
const MAX_UNPAIRED = 8;

/**
 * Cuts ffmpeg's detection pipe into pictures, dates each by its tick from the second pipe, and
 * keeps the newest. One per camera; restart() at every ffmpeg run (a new size, stream time
 * from 0 again). Also says whether pictures are wanted (setWanted), which the capture turns
 * into the gate's state in its ffmpeg.
 */
export class DetectionFrames {
  private size: PictureSize = { width: 0, height: 0 };
  private frameBytes = 0;
  private frame: Uint8Array = new Uint8Array(0);
  private filled = 0;
  private tickText = '';
  private unpairedPictures: Uint8Array[] = [];
  private unpairedTicks: number[] = [];
  private latest: DetectionPicture | null = null;
  private waiters: Array<(picture: DetectionPicture) => void> = [];
  private wantedNow = false;
  private onWanted: ((wanted: boolean) => void) | null = null;
  private wallTime: (streamSeconds: number) => number = (t) => t * 1000;

  constructor(
    private readonly fps: number,
    /** The camera's frame rate, which dates the pictures (analysisClock.ts). */
    private readonly cameraFps: number,
  ) {
    if (!(fps > 0) || !Number.isFinite(fps)) throw new RangeError(`the detection rate must be a positive number of frames a second, got ${fps}`);
  }

  /**
   * A new ffmpeg run with pictures of `size`: the old picture is dropped (its time belongs to
   * the old stream). `wallTime` turns a picture's stream time (s) into wall-clock ms (the
   * capture's own clock for this run, the one analysis frames are dated by).
   */
  restart(size: PictureSize, wallTime: (streamSeconds: number) => number): void {
    this.size = { ...size };
    this.frameBytes = yuv420pBytes(size.width, size.height);
    this.wallTime = wallTime;
    this.clear();
  }

  /** The stream ended: no picture is the newest any more. */
  clear(): void {
    this.frame = new Uint8Array(this.frameBytes);
    this.latest = null;
    this.filled = 0;
    this.tickText = '';
    this.unpairedPictures = [];
    this.unpairedTicks = [];
  }

  /** Whether pictures are wanted now (motion lasts): the capture opens or closes ffmpeg's gate. */
  setWanted(wanted: boolean): void {
    if (wanted === this.wantedNow) return;
    this.wantedNow = wanted;
    this.onWanted?.(wanted);
  }

  get wanted(): boolean {
    return this.wantedNow;
  }

  /** The capture's hook: called with every change of `wanted`. */
  onWantedChange(then: ((wanted: boolean) => void) | null): void {
    this.onWanted = then;
  }

  /** Bytes from the picture pipe. False: the pictures and their ticks no longer line up (none until restart()). */
  push(data: Buffer): boolean {
    if (this.frameBytes === 0) return true;
    for (let offset = 0; offset < data.length; ) {
      const n = Math.min(this.frameBytes - this.filled, data.length - offset);
      this.frame.set(data.subarray(offset, offset + n), this.filled);
      this.filled += n;
      offset += n;
      if (this.filled < this.frameBytes) break;
      this.unpairedPictures.push(this.frame);
      this.frame = new Uint8Array(this.frameBytes);
      this.filled = 0;
      if (!this.pair()) return false;
    }
    return true;
  }

  /** Text from the tick pipe (ffmpeg's framecrc). False as for push(), or on a line with no tick. */
  pushTicks(data: Buffer): boolean {
    if (this.frameBytes === 0) return true;
    let parsed: { ticks: number[]; rest: string };
    try {
      parsed = parseTicks(this.tickText + data.toString('latin1'));
    } catch {
      return this.outOfLine();
    }
    this.tickText = parsed.rest.slice(-200);
    this.unpairedTicks.push(...parsed.ticks);
    return this.pair();
  }

  private outOfLine(): false {
    this.frameBytes = 0;
    this.clear();
    return false;
  }

  private pair(): boolean {
    while (this.unpairedPictures.length > 0 && this.unpairedTicks.length > 0) {
      const data = this.unpairedPictures.shift()!;
      const tick = this.unpairedTicks.shift()!;
      this.publish({ ...this.size, frameAt: this.wallTime(analysisFrameTime(tick, this.fps, this.cameraFps)), data });
    }
    // ffmpeg writes both for every picture; a pile of one kind means they no longer line up,
    // and a picture dated by another's tick would be dated wrong: none until the next run.
    if (this.unpairedPictures.length > MAX_UNPAIRED || this.unpairedTicks.length > MAX_UNPAIRED) return this.outOfLine();
    return true;
  }

  private publish(picture: DetectionPicture): void {
    this.latest = picture;
    if (this.waiters.length === 0) return;
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) w(picture);
  }

  newest(): DetectionPicture | null {
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

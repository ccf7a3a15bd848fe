/*
 * Splits ffmpeg's fragmented MP4 output (empty_moov + frag_keyframe) into the init
 * segment (ftyp + moov) and media fragments (moof + mdat), each with its start time and
 * duration in seconds, read from the boxes rather than from wall-clock arrival.
 */

export interface Fragment {
  /** Stream time (s) of the fragment's first sample. */
  start: number;
  /** Length (s); ends at start + duration. */
  duration: number;
  /** tfdt baseMediaDecodeTime in track ticks, and the track's ticks per second. */
  decodeTime: number;
  timescale: number;
  data: Buffer;
}

export class Fmp4Error extends Error {}

interface Box {
  type: string;
  start: number;
  headerSize: number;
  size: number;
}

function readBox(buf: Buffer, offset: number, end: number): Box | null {
  if (end - offset < 8) return null;
  let size = buf.readUInt32BE(offset);
  const type = buf.toString('latin1', offset + 4, offset + 8);
  let headerSize = 8;
  if (size === 1) {
    if (end - offset < 16) return null;
    size = Number(buf.readBigUInt64BE(offset + 8));
    headerSize = 16;
  } else if (size === 0) {
    size = end - offset;
  }
  if (size < headerSize) throw new Fmp4Error(`malformed MP4 box "${type}" (size ${size})`);
  return { type, start: offset, headerSize, size };
}

function* children(buf: Buffer, box: Box): Generator<Box> {
  let offset = box.start + box.headerSize;
  const end = box.start + box.size;
  while (offset < end) {
    const child = readBox(buf, offset, end);
    if (!child || child.start + child.size > end) return;
    yield child;
    offset += child.size;
  }
}

function find(buf: Buffer, box: Box, path: string[]): Box | undefined {
  let current: Box | undefined = box;
  for (const type of path) {
    if (!current) return undefined;
    let next: Box | undefined;
    for (const c of children(buf, current)) {
      if (c.type === type) {
        next = c;
        break;
      }
    }
    current = next;
  }
  return current;
}

interface TrackInfo {
  timescale: number;
  defaultSampleDuration: number;
}

function parseInit(init: Buffer): TrackInfo {
  const root: Box = { type: 'root', start: 0, headerSize: 0, size: init.length };
  const mdhd = find(init, root, ['moov', 'trak', 'mdia', 'mdhd']);
  if (!mdhd) throw new Fmp4Error('MP4 init segment has no mdhd box');
  const p = mdhd.start + mdhd.headerSize;
  const version = init.readUInt8(p);
  const timescale = version === 1 ? init.readUInt32BE(p + 4 + 16) : init.readUInt32BE(p + 4 + 8);
  const trex = find(init, root, ['moov', 'mvex', 'trex']);
  const defaultSampleDuration = trex ? init.readUInt32BE(trex.start + trex.headerSize + 4 + 8) : 0;
  return { timescale, defaultSampleDuration };
}

function findTfdt(frag: Buffer): { traf: Box; tfdt: Box } {
  const root: Box = { type: 'root', start: 0, headerSize: 0, size: frag.length };
  const traf = find(frag, root, ['moof', 'traf']);
  if (!traf) throw new Fmp4Error('MP4 fragment has no traf box');
  const tfdt = find(frag, traf, ['tfdt']);
  if (!tfdt) throw new Fmp4Error('MP4 fragment has no tfdt box');
  return { traf, tfdt };
}

/**
 * A copy of the fragment whose decode time is moved back by `ticks`, so a clip's
 * timeline starts at zero rather than at the camera's stream time.
 */
export function shiftDecodeTime(fragment: Fragment, ticks: number): Buffer {
  const data = Buffer.from(fragment.data);
  const { tfdt } = findTfdt(data);
  const tp = tfdt.start + tfdt.headerSize;
  const value = Math.max(0, fragment.decodeTime - ticks);
  if (data.readUInt8(tp) === 1) data.writeBigUInt64BE(BigInt(value), tp + 4);
  else data.writeUInt32BE(value, tp + 4);
  return data;
}

function fragmentTiming(frag: Buffer, track: TrackInfo): { start: number; duration: number; decodeTime: number; timescale: number } {
  const { traf, tfdt } = findTfdt(frag);
  const tp = tfdt.start + tfdt.headerSize;
  const base = frag.readUInt8(tp) === 1 ? Number(frag.readBigUInt64BE(tp + 4)) : frag.readUInt32BE(tp + 4);

  let defaultDuration = track.defaultSampleDuration;
  const tfhd = find(frag, traf, ['tfhd']);
  if (tfhd) {
    const hp = tfhd.start + tfhd.headerSize;
    const flags = frag.readUInt32BE(hp) & 0xffffff;
    let q = hp + 8;
    if (flags & 0x01) q += 8;
    if (flags & 0x02) q += 4;
    if (flags & 0x08) defaultDuration = frag.readUInt32BE(q);
  }
  let ticks = 0;
  for (const trun of children(frag, traf)) {
    if (trun.type !== 'trun') continue;
    const rp = trun.start + trun.headerSize;
    const flags = frag.readUInt32BE(rp) & 0xffffff;
    const count = frag.readUInt32BE(rp + 4);
    let q = rp + 8;
    if (flags & 0x01) q += 4;
    if (flags & 0x04) q += 4;
    const perSample = (flags & 0x100 ? 4 : 0) + (flags & 0x200 ? 4 : 0) + (flags & 0x400 ? 4 : 0) + (flags & 0x800 ? 4 : 0);
    for (let i = 0; i < count; i++) {
      ticks += flags & 0x100 ? frag.readUInt32BE(q + i * perSample) : defaultDuration;
    }
  }
  return { start: base / track.timescale, duration: ticks / track.timescale, decodeTime: base, timescale: track.timescale };
}

/** Push bytes as they come from ffmpeg; get the init segment once, then whole fragments. */
export class Fmp4Splitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private initParts: Buffer[] = [];
  private fragmentParts: Buffer[] = [];
  private track: TrackInfo | null = null;
  /** Bytes needed before the next box is complete: until then chunks are only collected. */
  private needed = 8;
  init: Buffer | null = null;

  push(data: Buffer): { init?: Buffer; fragments: Fragment[] } {
    this.pending.push(data);
    this.pendingBytes += data.length;
    const out: { init?: Buffer; fragments: Fragment[] } = { fragments: [] };
    // A fragment's mdat arrives in many pipe chunks; joining them once, when it is whole,
    // keeps the copying linear in the stream instead of quadratic in the fragment size.
    if (this.pendingBytes < this.needed) return out;
    let buf = Buffer.concat(this.pending, this.pendingBytes);
    let offset = 0;
    for (;;) {
      const box = readBox(buf, offset, buf.length);
      if (!box || offset + box.size > buf.length) {
        this.needed = box ? box.size : 8;
        break;
      }
      const bytes = buf.subarray(offset, offset + box.size);
      offset += box.size;
      if (!this.init) {
        this.initParts.push(Buffer.from(bytes));
        if (box.type === 'moov') {
          this.init = Buffer.concat(this.initParts);
          this.track = parseInit(this.init);
          out.init = this.init;
        }
        continue;
      }
      if (box.type === 'moof' || box.type === 'styp' || box.type === 'sidx') {
        if (box.type === 'moof' && this.fragmentParts.length > 0) this.fragmentParts = [];
        this.fragmentParts.push(Buffer.from(bytes));
      } else if (box.type === 'mdat') {
        this.fragmentParts.push(Buffer.from(bytes));
        const data = Buffer.concat(this.fragmentParts);
        this.fragmentParts = [];
        out.fragments.push({ ...fragmentTiming(data, this.track!), data });
      }
      // mfra and other trailing boxes are not needed for playback of fragments.
    }
    buf = buf.subarray(offset);
    this.pending = buf.length ? [Buffer.from(buf)] : [];
    this.pendingBytes = buf.length;
    return out;
  }
}

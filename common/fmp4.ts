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
  /** The video track's tfdt baseMediaDecodeTime in its ticks, and its ticks per second. */
  decodeTime: number;
  timescale: number;
  /**
   * Every track's decode time (video, and audio when the camera sends it), each in its own
   * timescale: an AAC track counts in samples (16000 or 48000 a second), the video in 90 kHz
   * or 1/fps ticks, so one shift in ticks cannot serve both. Absent: one track.
   */
  tracks?: TrackTime[];
  data: Buffer;
}

export interface TrackTime {
  trackId: number;
  timescale: number;
  decodeTime: number;
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
  trackId: number;
  timescale: number;
  defaultSampleDuration: number;
  video: boolean;
}

function all(buf: Buffer, box: Box, type: string): Box[] {
  return [...children(buf, box)].filter((c) => c.type === type);
}

/** Each track of the init segment (the video track is the one fragments are timed by). */
function parseInit(init: Buffer): Map<number, TrackInfo> {
  const root: Box = { type: 'root', start: 0, headerSize: 0, size: init.length };
  const moov = find(init, root, ['moov']);
  if (!moov) throw new Fmp4Error('MP4 init segment has no moov box');
  const defaults = new Map<number, number>();
  const mvex = find(init, moov, ['mvex']);
  // trex: version/flags (4), track_ID (4), default_sample_description_index (4), default_sample_duration (4).
  for (const trex of mvex ? all(init, mvex, 'trex') : []) {
    const p = trex.start + trex.headerSize;
    defaults.set(init.readUInt32BE(p + 4), init.readUInt32BE(p + 12));
  }
  const tracks = new Map<number, TrackInfo>();
  for (const trak of all(init, moov, 'trak')) {
    const tkhd = find(init, trak, ['tkhd']);
    const mdhd = find(init, trak, ['mdia', 'mdhd']);
    const hdlr = find(init, trak, ['mdia', 'hdlr']);
    if (!tkhd || !mdhd) throw new Fmp4Error('MP4 init segment has a track without tkhd or mdhd');
    const tp = tkhd.start + tkhd.headerSize;
    const trackId = init.readUInt32BE(tp + (init.readUInt8(tp) === 1 ? 4 + 16 : 4 + 8));
    const p = mdhd.start + mdhd.headerSize;
    const timescale = init.readUInt8(p) === 1 ? init.readUInt32BE(p + 4 + 16) : init.readUInt32BE(p + 4 + 8);
    const video = hdlr ? init.toString('latin1', hdlr.start + hdlr.headerSize + 8, hdlr.start + hdlr.headerSize + 12) === 'vide' : false;
    tracks.set(trackId, { trackId, timescale, defaultSampleDuration: defaults.get(trackId) ?? 0, video });
  }
  if (tracks.size === 0) throw new Fmp4Error('MP4 init segment has no track');
  return tracks;
}

function tfdtOf(frag: Buffer, traf: Box): Box {
  const tfdt = find(frag, traf, ['tfdt']);
  if (!tfdt) throw new Fmp4Error('MP4 fragment has no tfdt box');
  return tfdt;
}

function trafsOf(frag: Buffer): Box[] {
  const root: Box = { type: 'root', start: 0, headerSize: 0, size: frag.length };
  const moof = find(frag, root, ['moof']);
  const trafs = moof ? all(frag, moof, 'traf') : [];
  if (trafs.length === 0) throw new Fmp4Error('MP4 fragment has no traf box');
  return trafs;
}

function trafTrackId(frag: Buffer, traf: Box): number {
  const tfhd = find(frag, traf, ['tfhd']);
  if (!tfhd) throw new Fmp4Error('MP4 fragment has no tfhd box');
  return frag.readUInt32BE(tfhd.start + tfhd.headerSize + 4);
}

/**
 * A copy of the fragment whose decode times are moved back by `ticks` of the video track
 * (the same span of time on every track, each in its own timescale), so a clip's timeline
 * starts at zero rather than at the camera's stream time and its sound stays with its picture.
 */
export function shiftDecodeTime(fragment: Fragment, ticks: number): Buffer {
  const data = Buffer.from(fragment.data);
  const seconds = ticks / fragment.timescale;
  const scales = new Map((fragment.tracks ?? []).map((t) => [t.trackId, t.timescale]));
  for (const traf of trafsOf(data)) {
    const tfdt = tfdtOf(data, traf);
    const tp = tfdt.start + tfdt.headerSize;
    const wide = data.readUInt8(tp) === 1;
    const current = wide ? Number(data.readBigUInt64BE(tp + 4)) : data.readUInt32BE(tp + 4);
    const scale = scales.get(trafTrackId(data, traf)) ?? fragment.timescale;
    const value = Math.max(0, current - Math.round(seconds * scale));
    if (wide) data.writeBigUInt64BE(BigInt(value), tp + 4);
    else data.writeUInt32BE(value, tp + 4);
  }
  return data;
}

function trafTiming(frag: Buffer, traf: Box, track: TrackInfo): { decodeTime: number; ticks: number } {
  const tfdt = tfdtOf(frag, traf);
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
  return { decodeTime: base, ticks };
}

function fragmentTiming(frag: Buffer, tracks: Map<number, TrackInfo>): Omit<Fragment, 'data'> {
  const times: TrackTime[] = [];
  let timed: { start: number; duration: number; decodeTime: number; timescale: number } | undefined;
  let timedByVideo = false;
  for (const traf of trafsOf(frag)) {
    const id = trafTrackId(frag, traf);
    const track = tracks.get(id);
    if (!track) throw new Fmp4Error(`MP4 fragment names track ${id}, which the init segment does not have`);
    const { decodeTime, ticks } = trafTiming(frag, traf, track);
    times.push({ trackId: id, timescale: track.timescale, decodeTime });
    // The video track times the fragment (each starts with a keyframe); a stream without one is timed by its first track.
    if (!timed || (track.video && !timedByVideo)) {
      timedByVideo = track.video;
      timed = { start: decodeTime / track.timescale, duration: ticks / track.timescale, decodeTime, timescale: track.timescale };
    }
  }
  return { ...timed!, tracks: times };
}

/** Push bytes as they come from ffmpeg; get the init segment once, then whole fragments. */
export class Fmp4Splitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private initParts: Buffer[] = [];
  private fragmentParts: Buffer[] = [];
  private tracks: Map<number, TrackInfo> | null = null;
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
          this.tracks = parseInit(this.init);
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
        out.fragments.push({ ...fragmentTiming(data, this.tracks!), data });
      }
      // mfra and other trailing boxes are not needed for playback of fragments.
    }
    buf = buf.subarray(offset);
    this.pending = buf.length ? [Buffer.from(buf)] : [];
    this.pendingBytes = buf.length;
    return out;
  }
}

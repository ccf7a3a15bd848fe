/*
 * The MIME type a browser's Media Source Extensions need for a stream, read from the MP4
 * init segment itself (the avcC box of the first video track) rather than assumed: a
 * camera that copies its own H.264 may use any profile and level, and a browser refuses a
 * SourceBuffer whose codec string does not match what it is then fed.
 */

export class Mp4CodecError extends Error {}

interface Box {
  type: string;
  /** Offset of the box's payload (after its header). */
  body: number;
  end: number;
}

function boxesIn(buf: Buffer, start: number, end: number): Box[] {
  const out: Box[] = [];
  let offset = start;
  while (end - offset >= 8) {
    let size = buf.readUInt32BE(offset);
    const type = buf.toString('latin1', offset + 4, offset + 8);
    let header = 8;
    if (size === 1) {
      if (end - offset < 16) break;
      size = Number(buf.readBigUInt64BE(offset + 8));
      header = 16;
    } else if (size === 0) {
      size = end - offset;
    }
    if (size < header || offset + size > end) throw new Mp4CodecError(`the init segment has a malformed "${type}" box`);
    out.push({ type, body: offset + header, end: offset + size });
    offset += size;
  }
  return out;
}

function child(buf: Buffer, parent: Box, type: string, skip = 0): Box | undefined {
  return boxesIn(buf, parent.body + skip, parent.end).find((b) => b.type === type);
}

const hex2 = (n: number) => n.toString(16).padStart(2, '0');

/** VisualSampleEntry fields before its child boxes (ISO/IEC 14496-12 §12.1.3). */
const VISUAL_SAMPLE_ENTRY_BYTES = 78;

/** The first sample entry of each track whose handler is `handler` ('vide', 'soun'), in file order. */
function* sampleEntries(init: Buffer, handler: string): Generator<Box | undefined> {
  const root: Box = { type: 'root', body: 0, end: init.length };
  const moov = child(init, root, 'moov');
  if (!moov) throw new Mp4CodecError('the init segment has no moov box');
  for (const trak of boxesIn(init, moov.body, moov.end).filter((b) => b.type === 'trak')) {
    const mdia = child(init, trak, 'mdia');
    const hdlr = mdia && child(init, mdia, 'hdlr');
    // hdlr: version/flags (4), pre_defined (4), handler_type (4).
    if (!mdia || !hdlr || hdlr.end - hdlr.body < 12 || init.toString('latin1', hdlr.body + 8, hdlr.body + 12) !== handler) continue;
    const minf = child(init, mdia, 'minf');
    const stbl = minf && child(init, minf, 'stbl');
    // stsd: version/flags (4), entry_count (4), then the sample entries.
    const stsd = stbl && child(init, stbl, 'stsd');
    yield stsd && boxesIn(init, stsd.body + 8, stsd.end)[0];
  }
}

/** `avc1.PPCCLL` (profile, constraint flags, level) of the first H.264 video track. */
export function avcCodecString(init: Buffer): string {
  for (const entry of sampleEntries(init, 'vide')) {
    if (!entry) throw new Mp4CodecError('the video track has no sample description');
    if (entry.type !== 'avc1' && entry.type !== 'avc3') throw new Mp4CodecError(`the video is "${entry.type}", not H.264: live view needs H.264`);
    const avcC = child(init, entry, 'avcC', VISUAL_SAMPLE_ENTRY_BYTES);
    if (!avcC || avcC.end - avcC.body < 4) throw new Mp4CodecError('the H.264 track has no avcC configuration');
    return `${entry.type}.${hex2(init.readUInt8(avcC.body + 1))}${hex2(init.readUInt8(avcC.body + 2))}${hex2(init.readUInt8(avcC.body + 3))}`;
  }
  throw new Mp4CodecError('the init segment has no video track');
}

/** AudioSampleEntry fields before its child boxes (ISO/IEC 14496-12 §12.2.3, version 0). */
const AUDIO_SAMPLE_ENTRY_BYTES = 28;

/** Reads an MPEG-4 descriptor header (tag, then a size of 1–4 bytes of 7 bits each). */
function descriptor(buf: Buffer, at: number, end: number): { tag: number; body: number; end: number } | undefined {
  if (at >= end) return undefined;
  const tag = buf.readUInt8(at);
  let size = 0;
  let p = at + 1;
  for (let i = 0; i < 4 && p < end; i++) {
    const b = buf.readUInt8(p++);
    size = (size << 7) | (b & 0x7f);
    if (!(b & 0x80)) break;
  }
  return { tag, body: p, end: Math.min(end, p + size) };
}

/** The AAC audio object type from an esds box (2 = AAC-LC, 5 = HE-AAC), when it can be read. */
function aacObjectType(buf: Buffer, esds: Box): number | undefined {
  const es = descriptor(buf, esds.body + 4, esds.end);
  if (!es || es.tag !== 0x03) return undefined;
  const flags = buf.readUInt8(es.body + 2);
  let p = es.body + 3;
  if (flags & 0x80) p += 2;
  if (flags & 0x40) p += 1 + buf.readUInt8(p);
  if (flags & 0x20) p += 2;
  const config = descriptor(buf, p, es.end);
  if (!config || config.tag !== 0x04 || buf.readUInt8(config.body) !== 0x40) return undefined;
  const specific = descriptor(buf, config.body + 13, config.end);
  if (!specific || specific.tag !== 0x05 || specific.body >= specific.end) return undefined;
  return buf.readUInt8(specific.body) >> 3;
}

/**
 * `mp4a.40.N` of the first AAC audio track, or null when the stream has no sound. A browser
 * given a video-only codec string refuses the fragments of a stream that also carries audio.
 */
export function aacCodecString(init: Buffer): string | null {
  for (const entry of sampleEntries(init, 'soun')) {
    if (!entry || entry.type !== 'mp4a') throw new Mp4CodecError(`the audio is "${entry?.type ?? 'unknown'}", not AAC: live view needs AAC`);
    const esds = child(init, entry, 'esds', AUDIO_SAMPLE_ENTRY_BYTES);
    const objectType = esds ? aacObjectType(init, esds) : undefined;
    return `mp4a.40.${objectType ?? 2}`;
  }
  return null;
}

/** What `MediaSource.isTypeSupported` and `addSourceBuffer` take, e.g. `video/mp4; codecs="avc1.64001f, mp4a.40.2"`. */
export function liveMimeType(init: Buffer): string {
  const audio = aacCodecString(init);
  return `video/mp4; codecs="${avcCodecString(init)}${audio ? `, ${audio}` : ''}"`;
}

/*
 * Notices a camera that changed its picture format mid-stream (a new resolution set in its
 * web page, a firmware switching profile). A copied stream keeps the init segment of its
 * start, so what follows would be stored under the old size; the capture restarts ffmpeg to
 * get a new init segment instead. Read from the stream itself: cameras repeat their sequence
 * parameter set (SPS, which holds the size) before every keyframe.
 */

/** Bytes of the first H.264 SPS in a fragment (moof + mdat, 4-byte NAL lengths), or null when it has none. */
export function inBandSps(fragment: Buffer): Buffer | null {
  let offset = 0;
  while (fragment.length - offset >= 8) {
    const size = fragment.readUInt32BE(offset);
    const type = fragment.toString('latin1', offset + 4, offset + 8);
    if (size < 8 || offset + size > fragment.length) return null;
    if (type === 'mdat') return firstSps(fragment.subarray(offset + 8, offset + size));
    offset += size;
  }
  return null;
}

function firstSps(mdat: Buffer): Buffer | null {
  let offset = 0;
  while (mdat.length - offset >= 5) {
    const length = mdat.readUInt32BE(offset);
    if (length === 0 || offset + 4 + length > mdat.length) return null;
    const nal = mdat.subarray(offset + 4, offset + 4 + length);
    if ((nal[0]! & 0x1f) === 7) return nal;
    offset += 4 + length;
  }
  return null;
}

/** Follows one run's SPS: true from the fragment whose SPS differs from the run's first. */
export class FormatWatch {
  private first: Buffer | null = null;

  changed(fragment: Buffer): boolean {
    const sps = inBandSps(fragment);
    if (!sps) return false;
    if (!this.first) {
      this.first = Buffer.from(sps);
      return false;
    }
    return !this.first.equals(sps);
  }
}

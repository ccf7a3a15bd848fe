import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/** A short fragmented MP4 made by the real ffmpeg (no fixtures to download). */
export function makeTestMp4(dir: string, seconds = 2): Buffer {
  const file = path.join(dir, 'test.mp4');
  execFileSync('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=s=320x180:r=10:d=${seconds}`,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '10', '-pix_fmt', 'yuv420p',
    '-movflags', 'frag_keyframe+empty_moov+default_base_moof', file,
  ]);
  return readFileSync(file);
}

/** Duration in seconds as ffprobe reads it. */
export function probeDuration(file: string): number {
  const out = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file]).toString().trim();
  return Number(out);
}

/** True when the bytes contain an MP4 file-type box in the clear. */
export function hasPlainMp4(data: Buffer): boolean {
  return data.includes(Buffer.from('ftyp')) && /ftyp(isom|iso5|iso6|mp41|mp42|dash|avc1)/.test(data.toString('latin1'));
}

import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Fmp4Splitter } from '../../common/fmp4';
import { aacCodecString, avcCodecString, liveMimeType, Mp4CodecError } from '../../common/mp4Codec';
import { useTempDir } from '../helpers/tmp';

/** The init segment of a short fragmented MP4 that the real ffmpeg encodes with `codec` args. */
function initOf(dir: string, name: string, codec: string[]): Buffer {
  const file = path.join(dir, `${name}.mp4`);
  execFileSync('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=640x360:r=10:d=1',
    ...codec, '-pix_fmt', 'yuv420p', '-movflags', 'frag_keyframe+empty_moov+default_base_moof', file,
  ]);
  const init = new Fmp4Splitter().push(readFileSync(file)).init;
  assert.ok(init, 'ffmpeg wrote an init segment');
  return init;
}

/** ffprobe's profile and level for the same file, to check the parsed string against. */
function probe(dir: string, name: string): { profile: string; level: number } {
  const out = execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=profile,level', '-of', 'json', path.join(dir, `${name}.mp4`)]);
  const s = (JSON.parse(out.toString()) as { streams: Array<{ profile: string; level: number }> }).streams[0]!;
  return s;
}

describe('codec string from an MP4 init segment', () => {
  const tmp = useTempDir();

  it('reads profile and level from the avcC of what ffmpeg encodes, as the browser needs them', () => {
    const cases: Array<[string, string[], string, string]> = [
      ['high', ['-c:v', 'libx264', '-profile:v', 'high', '-level', '3.1'], '64', 'High'],
      ['baseline', ['-c:v', 'libx264', '-profile:v', 'baseline', '-level', '3.0'], '42', 'Constrained Baseline'],
      ['main', ['-c:v', 'libx264', '-profile:v', 'main', '-level', '4.0'], '4d', 'Main'],
    ];
    for (const [name, args, profileHex, profileName] of cases) {
      const codec = avcCodecString(initOf(tmp.dir, name, args));
      const probed = probe(tmp.dir, name);
      assert.equal(probed.profile, profileName);
      assert.match(codec, /^avc1\.[0-9a-f]{6}$/);
      assert.equal(codec.slice(5, 7), profileHex, `${name}: profile byte`);
      assert.equal(parseInt(codec.slice(9, 11), 16), probed.level, `${name}: level byte is ffprobe's level`);
    }
    assert.equal(liveMimeType(initOf(tmp.dir, 'high2', cases[0]![1])), 'video/mp4; codecs="avc1.64001f"');
  });

  it('refuses video that is not H.264, and init segments that are cut short', () => {
    const mpeg4 = initOf(tmp.dir, 'mpeg4', ['-c:v', 'mpeg4']);
    assert.throws(() => avcCodecString(mpeg4), (err: Error) => err instanceof Mp4CodecError && /"mp4v", not H\.264/.test(err.message));
    const h264 = initOf(tmp.dir, 'cut', ['-c:v', 'libx264']);
    assert.throws(() => avcCodecString(h264.subarray(0, h264.length - 40)), Mp4CodecError);
    assert.throws(() => avcCodecString(Buffer.from('not an mp4 at all')), Mp4CodecError);
  });

  it('adds the AAC track to the MIME type when the stream has sound, read from its esds', () => {
    const withSound = (name: string, aac: string[]) => {
      const file = path.join(tmp.dir, `${name}.mp4`);
      execFileSync('ffmpeg', [
        '-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=640x360:r=10:d=1',
        '-f', 'lavfi', '-i', 'sine=sample_rate=16000:d=1', '-c:v', 'libx264', '-profile:v', 'main', '-pix_fmt', 'yuv420p',
        ...aac, '-movflags', 'frag_keyframe+empty_moov+default_base_moof', file,
      ]);
      return new Fmp4Splitter().push(readFileSync(file)).init!;
    };
    const lc = withSound('aac-lc', ['-c:a', 'aac']);
    assert.equal(aacCodecString(lc), 'mp4a.40.2');
    assert.match(liveMimeType(lc), /^video\/mp4; codecs="avc1\.4d[0-9a-f]{4}, mp4a\.40\.2"$/);
    const ltp = withSound('aac-ltp', ['-c:a', 'aac', '-profile:a', 'aac_ltp', '-strict', '-2']);
    assert.equal(aacCodecString(ltp), 'mp4a.40.4', 'the object type is read, not assumed');
    assert.equal(aacCodecString(initOf(tmp.dir, 'silent', ['-c:v', 'libx264'])), null);
    assert.doesNotMatch(liveMimeType(initOf(tmp.dir, 'silent2', ['-c:v', 'libx264'])), /mp4a/);
  });
});

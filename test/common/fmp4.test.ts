import { strict as assert } from 'node:assert';
import { Fmp4Splitter, shiftDecodeTime } from '../../common/fmp4';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { makeTestMp4 } from '../helpers/media';
import { useTempDir } from '../helpers/tmp';

describe('fragmented MP4 splitter', () => {
  const tmp = useTempDir();

  it('splits real ffmpeg output into an init segment and timed fragments, whatever the read sizes', () => {
    const mp4 = makeTestMp4(tmp.dir, 4);
    const splitter = new Fmp4Splitter();
    let init: Buffer | undefined;
    const fragments = [];
    for (let i = 0; i < mp4.length; i += 977) {
      const out = splitter.push(mp4.subarray(i, i + 977));
      init ??= out.init;
      fragments.push(...out.fragments);
    }
    assert.ok(init && init.includes(Buffer.from('moov')));
    assert.equal(fragments.length, 4, 'one fragment per 1 s keyframe interval');
    fragments.forEach((f, i) => {
      assert.ok(Math.abs(f.start - i) < 0.01, `fragment ${i} starts at ${f.start}`);
      assert.ok(Math.abs(f.duration - 1) < 0.01);
    });
    const total = init.length + fragments.reduce((n, f) => n + f.data.length, 0);
    assert.ok(total <= mp4.length && total > mp4.length - 200, 'only the trailing index is dropped');

    const shifted = new Fmp4Splitter();
    shifted.push(init);
    const again = shifted.push(shiftDecodeTime(fragments[2]!, fragments[2]!.decodeTime)).fragments[0]!;
    assert.equal(again.start, 0, 'decode time moved to the clip start');
  });

  // A camera's stream with sound: ffmpeg's fragmented MP4 with an H.264 track (90 kHz ticks)
  // and an AAC track (16 kHz ticks), each fragment one traf per track.
  function avMp4(audioFirst: boolean): Buffer {
    const file = path.join(tmp.dir, `av-${audioFirst}.mp4`);
    execFileSync('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-y',
      '-f', 'lavfi', '-i', 'testsrc2=s=320x180:r=15:d=5',
      '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=16000:d=5',
      ...(audioFirst ? ['-map', '1:a', '-map', '0:v'] : ['-map', '0:v', '-map', '1:a']),
      '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '15', '-c:a', 'aac',
      '-f', 'mp4', '-movflags', 'frag_keyframe+empty_moov+default_base_moof', file,
    ]);
    return execFileSync('cat', [file]);
  }

  for (const audioFirst of [false, true]) {
    it(`times fragments by the video track and shifts every track by the same time (audio track ${audioFirst ? 'first' : 'second'})`, () => {
      const splitter = new Fmp4Splitter();
      const out = splitter.push(avMp4(audioFirst));
      const fragments = out.fragments;
      assert.ok(out.init);
      assert.ok(fragments.length >= 4);
      fragments.forEach((f, i) => {
        assert.equal(f.tracks?.length, 2, 'a video and an audio time per fragment');
        // ffmpeg lengthens the first video frame by the AAC encoder's priming (1024 samples).
        assert.ok(Math.abs(f.start - i) < 0.1, `fragment ${i} starts at ${f.start} (video time)`);
        assert.ok(f.timescale !== 16000, 'the video track times the fragment');
      });
      const audio = fragments[2]!.tracks!.find((t) => t.timescale === 16000)!;
      assert.ok(Math.abs(audio.decodeTime / 16000 - fragments[2]!.start) < 0.07, 'audio of fragment 2 starts within one AAC frame of its picture');

      // A clip cut from fragment 2 on: both tracks start at 0, and the file plays with sound as long as its picture.
      const shifted = fragments.slice(2).map((f) => shiftDecodeTime(f, fragments[2]!.decodeTime));
      const again = new Fmp4Splitter();
      again.push(out.init);
      const first = again.push(shifted[0]!).fragments[0]!;
      assert.equal(first.start, 0);
      const audioAgain = first.tracks!.find((t) => t.timescale === 16000)!;
      assert.ok(audioAgain.decodeTime / 16000 < 0.07, `audio starts within one AAC frame of 0 (${audioAgain.decodeTime} ticks)`);
      const clip = path.join(tmp.dir, `clip-${audioFirst}.mp4`);
      writeFileSync(clip, Buffer.concat([out.init, ...shifted]));
      const probe = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_streams', '-of', 'json', clip]).toString()) as {
        streams: { codec_type: string; duration: string; start_time: string }[];
      };
      const a = probe.streams.find((s) => s.codec_type === 'audio')!;
      const v = probe.streams.find((s) => s.codec_type === 'video')!;
      assert.ok(Math.abs(Number(v.duration) - (5 - 2)) < 0.1, `video lasts ${v.duration}`);
      assert.ok(Math.abs(Number(a.duration) - Number(v.duration)) < 0.15, `audio lasts ${a.duration}, video ${v.duration}`);
      assert.ok(Math.abs(Number(a.start_time) - Number(v.start_time)) < 0.07, 'sound starts with the picture');
    });
  }
});

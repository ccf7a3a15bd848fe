import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { FEEDER_INPUT, spawnWithFeeder } from '../../camera-agent/sources/feeder';
import { useTempDir } from '../helpers/tmp';

/*
 * A camera program (rpicam-vid) feeding ffmpeg through the agent's named pipe: what it writes
 * reaches ffmpeg whole, its end is the end of ffmpeg's input (so the run ends and capture
 * restarts it), and an ffmpeg that fails before opening the pipe leaves nothing behind.
 */
describe('a camera program feeding ffmpeg', function () {
  this.timeout(30_000);
  const tmp = useTempDir();

  const feederDirs = () => readdirSync(tmpdir()).filter((f) => f.startsWith('porchlight-feeder-'));

  function run(args: string[], feeder: { command: string; args: string[] }, ffmpegPath = 'ffmpeg'): Promise<{ code: number | null; stdout: string }> {
    const child = spawnWithFeeder(ffmpegPath, args, feeder, ['ignore', 'pipe', 'pipe']);
    child.on('error', () => undefined);
    let stdout = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.resume();
    return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout })));
  }

  it('gets every frame of a program that writes 2 s of H.264 and exits, and ends with it', async () => {
    const h264 = path.join(tmp.dir, 'feed.h264');
    execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=15', '-t', '2', '-c:v', 'libx264', '-f', 'h264', h264]);
    const before = feederDirs();
    const { code, stdout } = await run(['-v', 'error', '-f', 'h264', '-i', FEEDER_INPUT, '-f', 'framecrc', '-'], { command: 'cat', args: [h264] });
    assert.equal(code, 0, 'ffmpeg ends when the program has ended');
    assert.equal(stdout.split('\n').filter((l) => /^0,/.test(l)).length, 30, 'all 30 frames decoded');
    assert.deepEqual(feederDirs(), before, 'the named pipe and its directory are removed');
  });

  it('lets go at once when ffmpeg fails before opening the pipe, and stops the program', async () => {
    const before = feederDirs();
    const started = Date.now();
    const { code } = await run(['-v', 'error', '-no-such-option', '-i', FEEDER_INPUT, '-f', 'null', '-'], { command: 'sleep', args: ['61.25'] });
    assert.notEqual(code, 0);
    assert.ok(Date.now() - started < 10_000, 'no hang');
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(feederDirs(), before, 'the named pipe and its directory are removed');
    assert.equal(execFileSync('sh', ['-c', 'pgrep -f "^sleep 61.25$" || true'], { encoding: 'utf8' }).trim(), '', 'the camera program is stopped');
  });

  it('leaves nothing waiting when ffmpeg cannot start at all: no directory, no camera program, no blocked file work', async () => {
    const before = feederDirs();
    // More failed starts than libuv has pool threads: a blocked open per start would stall all file work.
    for (let i = 0; i < 6; i++) await run(['-i', FEEDER_INPUT], { command: 'sleep', args: ['62.25'] }, path.join(tmp.dir, 'no-such-ffmpeg'));
    const started = Date.now();
    await readFile(__filename);
    assert.ok(Date.now() - started < 2000, 'file work still runs at once');
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(feederDirs(), before, 'no named pipe left behind');
    assert.equal(execFileSync('sh', ['-c', 'pgrep -f "^sleep 62.25$" || true'], { encoding: 'utf8' }).trim(), '', 'the camera programs are stopped');
  });
});

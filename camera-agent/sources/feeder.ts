import { execFileSync, spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { constants, mkdtempSync, openSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/*
 * A source whose video comes out of another program (rpicam-vid writing H.264 to its stdout)
 * rather than from something ffmpeg opens itself: the program is started with each ffmpeg
 * run, its stdout piped into ffmpeg, and it ends when that ffmpeg ends.
 *
 * ffmpeg reads the video from a named pipe (FEEDER_INPUT in its arguments), not from its
 * stdin: an input named pipe:0 turns off ffmpeg's stdin commands, which is how the agent
 * opens and closes the detection gate (detectionFrames.ts). The named pipe lives in a private
 * directory made for the run and removed when ffmpeg ends. (/dev/fd/N would not do: Node's
 * pipes to a child are sockets, which cannot be opened by that name.)
 */

export interface Feeder {
  command: string;
  args: string[];
}

/** Stands for the feeder's video in ffmpeg's arguments; spawnWithFeeder puts the named pipe's path there. */
export const FEEDER_INPUT = 'porchlight-feeder:';

/**
 * Starts ffmpeg with `args`, and the source's feeder in front of it when it has one. `stdio`
 * is capture's.
 */
export function spawnWithFeeder(ffmpegPath: string, args: string[], feeder: Feeder | undefined, stdio: StdioOptions): ChildProcess {
  if (!feeder) return spawn(ffmpegPath, args, { stdio });
  const dir = mkdtempSync(path.join(tmpdir(), 'porchlight-feeder-'));
  const fifo = path.join(dir, 'video.h264');
  execFileSync('mkfifo', ['-m', '600', fifo]);
  // Read and write: opening a named pipe this way does not wait for its reader (ffmpeg).
  const fd = openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK);
  const into = new Socket({ fd, readable: false, writable: true });
  const ffmpeg = spawn(ffmpegPath, args.map((a) => (a === FEEDER_INPUT ? fifo : a)), { stdio });
  const source = spawn(feeder.command, feeder.args, { stdio: ['ignore', 'pipe', 'pipe'] });
  source.stderr.resume();
  source.stdout.pipe(into);
  // A write after ffmpeg exits is the end of this run, not news.
  into.on('error', () => undefined);
  source.on('error', (err) => ffmpeg.emit('error', new Error(`cannot start ${feeder.command}: ${err.message}`)));
  // Either one ending ends the run: ffmpeg without input, or a camera program nobody reads.
  source.on('exit', () => into.end());
  ffmpeg.on('exit', () => {
    into.destroy();
    rmSync(dir, { recursive: true, force: true });
    if (source.exitCode === null && source.signalCode === null) source.kill('SIGTERM');
  });
  return ffmpeg;
}

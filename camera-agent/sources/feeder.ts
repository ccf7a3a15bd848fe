import { execFileSync, spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { closeSync, constants, createWriteStream, mkdtempSync, open, openSync, rmSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';

/*
 * A source whose video comes out of another program (rpicam-vid writing H.264 to its stdout)
 * rather than from something ffmpeg opens itself: the program is started with each ffmpeg
 * run, its stdout piped into ffmpeg, and it ends when that ffmpeg ends.
 *
 * ffmpeg reads the video from a named pipe (FEEDER_INPUT in its arguments), not from its
 * stdin: an input named pipe:0 turns off ffmpeg's stdin commands, which is how the agent
 * opens and closes the detection gate (detectionFrames.ts). The named pipe lives in a private
 * directory made for the run and removed when ffmpeg ends. (/dev/fd/N would not do: Node's
 * pipes to a child are sockets, which cannot be opened by that name.) When the camera program's
 * output ends, ffmpeg's input ends, and that run with it.
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
  const ffmpeg = spawn(ffmpegPath, args.map((a) => (a === FEEDER_INPUT ? fifo : a)), { stdio });
  const source = spawn(feeder.command, feeder.args, { stdio: ['ignore', 'pipe', 'pipe'] });
  source.stderr.resume();
  source.on('error', (err) => ffmpeg.emit('error', new Error(`cannot start ${feeder.command}: ${err.message}`)));
  // Held here until ffmpeg opens the pipe: a child's output nobody reads when it exits is
  // thrown away by Node, which a short-lived camera program would lose whole.
  const held = new PassThrough();
  source.stdout.pipe(held);
  let ended = false;
  let into: WriteStream | null = null;
  // Whether the open below has not come back yet, and the reader that lets it go at the end.
  let opening = true;
  let releaser: number | null = null;
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  // Opening the pipe for writing waits (in libuv's pool) until ffmpeg opens it for reading;
  // until then the camera program's output waits in `held`. Write-only, so closing it is the
  // end of ffmpeg's input: when the camera program's output ends, ffmpeg's does.
  open(fifo, constants.O_WRONLY, (err, fd) => {
    opening = false;
    if (releaser !== null) closeSync(releaser);
    if (!err && ended) closeSync(fd);
    if (ended) return removeDir();
    if (err) return; // ffmpeg's end says why.
    into = createWriteStream('', { fd });
    // A write after ffmpeg exits is the end of this run, not news.
    into.on('error', () => undefined);
    held.pipe(into);
  });
  // Once, whichever comes: ffmpeg's exit, or its close or error when it could not start (then
  // Node emits no exit).
  const end = () => {
    if (ended) return;
    ended = true;
    into?.destroy();
    if (opening) {
      // The open still waits for a reader: give it one, held until the open is back (a pool
      // thread must not stay blocked, and the pipe must not be unlinked under it).
      try {
        releaser = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
      } catch {
        removeDir();
      }
    } else {
      removeDir();
    }
    // Either one ending ends the run: a camera program nobody reads is stopped.
    if (source.exitCode === null && source.signalCode === null) source.kill('SIGTERM');
  };
  ffmpeg.on('exit', end);
  ffmpeg.on('close', end);
  ffmpeg.on('error', end);
  return ffmpeg;
}

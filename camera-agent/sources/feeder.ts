import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';

/*
 * A source whose video comes out of another program (rpicam-vid writing H.264 to its stdout)
 * rather than from something ffmpeg opens itself: the program is started with each ffmpeg
 * run, its stdout piped into ffmpeg's stdin, and it ends when that ffmpeg ends.
 */

export interface Feeder {
  command: string;
  args: string[];
}

/**
 * Starts ffmpeg with `args`, and the source's feeder in front of it when it has one. `stdio`
 * is capture's; ffmpeg's stdin becomes the feeder's stdout.
 */
export function spawnWithFeeder(ffmpegPath: string, args: string[], feeder: Feeder | undefined, stdio: StdioOptions): ChildProcess {
  if (!feeder) return spawn(ffmpegPath, args, { stdio });
  const [, ...rest] = stdio as unknown[];
  const ffmpeg = spawn(ffmpegPath, args, { stdio: ['pipe', ...rest] as StdioOptions });
  const source = spawn(feeder.command, feeder.args, { stdio: ['ignore', 'pipe', 'pipe'] });
  source.stderr.resume();
  source.stdout.pipe(ffmpeg.stdin!);
  // A write after ffmpeg exits raises EPIPE on its stdin: that is the end of this run, not news.
  ffmpeg.stdin!.on('error', () => undefined);
  source.on('error', (err) => ffmpeg.emit('error', new Error(`cannot start ${feeder.command}: ${err.message}`)));
  // Either one ending ends the run: ffmpeg without input, or a camera program nobody reads.
  source.on('exit', () => ffmpeg.stdin!.end());
  ffmpeg.on('exit', () => {
    if (source.exitCode === null && source.signalCode === null) source.kill('SIGTERM');
  });
  return ffmpeg;
}

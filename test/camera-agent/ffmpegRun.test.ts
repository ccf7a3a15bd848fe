import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { FfmpegRun } from '../../camera-agent/ffmpegRun';

/*
 * A sub-stream camera's two ffmpegs are one run: half a capture (clips without motion
 * analysis, or pictures of a stream nobody records) must never go on alone.
 */

describe('a capture run of two processes', function () {
  this.timeout(10_000);

  it('when one ends, the other is killed, and the run closes once with the first one\'s exit', async () => {
    const recording = spawn('sleep', ['30'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const analysis = spawn('sh', ['-c', 'sleep 0.2; exit 3'], { stdio: ['pipe', 'ignore', 'pipe', 'pipe', 'pipe', 'pipe'] });
    const run = new FfmpegRun(recording, analysis);
    const closes: Array<[number | null, string | null]> = [];
    await new Promise<void>((resolve) =>
      run.on('close', (code, signal) => {
        closes.push([code, signal]);
        resolve();
      }),
    );
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(closes, [[3, null]], 'one close, with the analysis exit code');
    assert.equal(recording.signalCode, 'SIGKILL', 'the recording was killed with it');
    assert.ok(run.ending);
  });

  it('stopping the run stops both', async () => {
    const recording = spawn('sleep', ['30'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const analysis = spawn('sleep', ['30'], { stdio: ['pipe', 'ignore', 'pipe', 'pipe', 'pipe', 'pipe'] });
    const run = new FfmpegRun(recording, analysis);
    assert.equal(run.ending, false);
    const closed = new Promise<[number | null, string | null]>((resolve) => run.on('close', (code, signal) => resolve([code, signal])));
    run.kill('SIGTERM');
    assert.deepEqual(await closed, [null, 'SIGTERM']);
    assert.ok(recording.signalCode && analysis.signalCode, 'both ended');
  });
});

import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { pairCamera } from '../../camera-agent/pairCamera';
import { decryptClipFile } from '../../common/clipDecryption';
import { hubPaths } from '../../common/dataLayout';
import { loadFootageKeyPair } from '../../common/footageKeys';
import { openPairingWindow } from '../../hub/pairing';
import { ArmingStore } from '../../hub/arming/armingStore';
import { openHubState } from '../../hub/hub';
import { startTestHub, type TestHub } from '../helpers/hub';
import { hasPlainMp4, probeDuration } from '../helpers/media';
import { skipBecause } from '../helpers/skip';
import { useTempDir } from '../helpers/tmp';
import { sleep, until } from '../helpers/wait';

/*
 * The camera agent killed with SIGKILL at random moments while it records, 30 times, and
 * restarted each time: the hub must never receive a corrupt clip (every clip it holds
 * decrypts and ffprobe reads it), and a clip cut by a kill is discarded with a log line
 * when the agent starts again (docs/cameras.md, "The camera's own disk").
 */
const AGENT_MAIN = path.join(__dirname, '..', '..', 'camera-agent', 'main.js');
/** Real CCTV footage with people walking from the first frame on (Debian's opencv-doc). */
const FOOTAGE = '/usr/share/doc/opencv-doc/examples/data/vtest.avi';
const KILLS = Number(process.env.PORCHLIGHT_KILLS ?? 30);

describe('camera agent killed with SIGKILL while recording', function () {
  this.timeout(300_000);
  const tmp = useTempDir();
  let hub: TestHub | null = null;
  let child: ChildProcess | null = null;
  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    child = null;
    await hub?.stop();
    hub = null;
  });

  it(`never delivers a corrupt clip across ${KILLS} kills at random moments, and says what a kill discarded`, async function () {
    if (!existsSync(FOOTAGE)) skipBecause(this, `${FOOTAGE} is missing (apt-get install opencv-doc)`);
    const hubDir = path.join(tmp.dir, 'hub');
    // Armed away before the hub starts, as the demo does: a real hub starts disarmed.
    const state = await openHubState(hubDir);
    new ArmingStore(state.db).setManual({ mode: 'armed_away', at: Date.now(), by: 'test' });
    state.db.close();
    hub = await startTestHub(hubDir);
    const agentDir = path.join(tmp.dir, 'agent');
    await pairCamera(agentDir, hub.base, (await openPairingWindow(hub.db, 60_000)).code, 'porch');
    const cfg = path.join(tmp.dir, 'agent.json');
    writeFileSync(
      cfg,
      JSON.stringify({
        dataDir: agentDir,
        log: { level: 'info' },
        agent: {
          name: 'porch',
          source: FOOTAGE,
          video: { width: 320, height: 240, fps: 10, keyframeSeconds: 0.5 },
          // Short clips, so some finish between kills and many are cut by one.
          recording: { preRollSeconds: 0, postRollSeconds: 1, clipSeconds: 5, endEarly: true },
          motion: { minDurationSeconds: 0.2 },
        },
      }),
    );
    const logFile = path.join(tmp.dir, 'agent.log');
    writeFileSync(logFile, '');
    const run = () => {
      const fd = openSync(logFile, 'a');
      const c = spawn(process.execPath, [AGENT_MAIN, '--config', cfg], { stdio: ['ignore', fd, fd] });
      closeSync(fd);
      return c;
    };
    const exited = (c: ChildProcess) => new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));
    const lines = () => readFileSync(logFile, 'utf8').split('\n');
    const count = (re: RegExp) => lines().filter((l) => re.test(l)).length;

    const t0 = Date.now();
    let killedWhileRecording = 0;
    for (let i = 0; i < KILLS; i++) {
      const recordingBefore = count(/"msg":"recording"/);
      child = run();
      // A third of the kills come while a clip is being written, a third just after one was
      // finished (while it is being delivered), the others at any moment of start-up or run.
      if (i % 3 === 0) {
        await until('a clip being recorded', () => count(/"msg":"recording"/) > recordingBefore || child!.exitCode !== null, 30_000, 20).catch(() => undefined);
        await sleep(Math.random() * 2500);
        if (count(/"msg":"recording"/) > recordingBefore) killedWhileRecording++;
      } else if (i % 3 === 1) {
        const finishedBefore = count(/"msg":"clip finished"/);
        await until('a clip finished', () => count(/"msg":"clip finished"/) > finishedBefore || child!.exitCode !== null, 30_000, 20).catch(() => undefined);
        await sleep(Math.random() * 1000);
      } else {
        await sleep(500 + Math.random() * 5000);
      }
      assert.equal(child.exitCode, null, `the agent exited by itself on run ${i + 1}: ${lines().slice(-5).join('\n')}`);
      child.kill('SIGKILL');
      await exited(child);
    }
    // A last run, stopped cleanly, to deliver what the kills left in the spool.
    child = run();
    await sleep(6000);
    child.kill('SIGTERM');
    await exited(child);
    child = null;
    const seconds = (Date.now() - t0) / 1000;

    const discarded = count(/cut short by a crash or kill was discarded/);
    assert.ok(killedWhileRecording >= 3, `only ${killedWhileRecording} kills came while recording`);
    assert.ok(discarded >= 1, 'a clip cut by a kill was discarded, with a log line');
    const spool = path.join(agentDir, 'spool');
    assert.deepEqual(readdirSync(spool).filter((n) => n.endsWith('.tmp')), [], 'no half-written clip left in the spool');

    const keys = await loadFootageKeyPair(hubPaths(hubDir).footageKey);
    const clips = hub.db.prepare('SELECT id, media_start AS s, media_end AS e FROM clips').all() as Array<{ id: string; s: number; e: number }>;
    assert.ok(clips.length >= 5, `the hub holds ${clips.length} clips`);
    const out = path.join(tmp.dir, 'plain');
    mkdirSync(out);
    for (const clip of clips) {
      const mp4 = path.join(out, `${clip.id}.mp4`);
      await decryptClipFile(keys, path.join(hubPaths(hubDir).clips, `${clip.id}.plc`), mp4);
      assert.ok(hasPlainMp4(readFileSync(mp4)));
      const duration = probeDuration(mp4);
      assert.ok(duration > 0 && Math.abs(duration - (clip.e - clip.s)) < 1, `clip ${clip.id}: ffprobe reads ${duration} s, the index says ${clip.e - clip.s} s`);
    }
    console.log(`      ${KILLS} kills (${killedWhileRecording} while recording) in ${seconds.toFixed(0)} s: ${clips.length} clips at the hub, all decrypt and probe; ${discarded} cut clips discarded with a log line`);
  });
});

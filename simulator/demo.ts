import { AGENT_NODE_FLAGS } from '../camera-agent/nodeFlags';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import YAML from 'yaml';
import type { RelayTarget } from '../common/config';
import { writeFileAtomic } from '../common/atomicFile';
import { hubPaths } from '../common/dataLayout';
import { openHubState } from '../hub/hub';
import { ArmingStore } from '../hub/arming/armingStore';
import { openPairingWindow } from '../hub/pairing';
import { pakeReady } from '../common/pairingBinding';
import { addUser, findUser } from '../hub/users';
import { pairCamera } from '../camera-agent/pairCamera';
import { identityFile, loadIdentity, saveIdentity, type AgentIdentity } from '../camera-agent/identity';
import { getSimScene, scriptedEvents } from '../camera-agent/scenes';
import { hubListening, stopProcess, waitFor } from './childProcesses';
import { demoAgentSection, detectionLines, planDemoCameras } from './demoFootage';
import { parseConfig } from '../common/config';

/*
 * The whole system on simulated hardware, as separate processes talking HTTPS exactly as
 * on a Pi: the hub, one agent per simulated camera, and the relay to a local "cloud".
 */

export interface DemoCamera {
  name: string;
  scene: string;
  /** The camera's agent.video, when not the default (a footage camera keeps its footage's size). */
  video?: Record<string, unknown>;
}

export interface DemoOptions {
  dataDir: string;
  /** Seconds to run after everything started; undefined runs until SIGINT/SIGTERM. */
  duration?: number;
  cameras?: DemoCamera[];
  relayTarget?: RelayTarget;
  /** Extra agent settings merged into each camera's config (tests use smaller video). */
  agentOverrides?: Record<string, unknown>;
  /**
   * Add the camera that plays real footage (WALKWAY_CAMERA) to the cameras when its file is
   * found, and say why not when it is not (`porchlight demo` does; scripted runs choose cameras).
   */
  realFootage?: boolean;
  /** Where footage scenes' files are looked for (default FOOTAGE_DIRS: opencv-doc's folder, then the demo's cache). */
  footageDirs?: readonly string[];
  say?: (line: string) => void;
}

export interface CameraSummary {
  name: string;
  scene: string;
  streamSeconds: number;
  scriptedEvents: number;
  motionEvents: number;
  clipsStored: number;
  clipsUploaded: number;
  eventsCovered: number;
  /** Motion events of this run the hub's object detector labelled, per label ("person": 3); none for drawn scenes. */
  labelledEvents: Record<string, number>;
}

export interface DemoSummary {
  scriptedEvents: number;
  motionEvents: number;
  clipsStored: number;
  clipsUploaded: number;
  eventsCovered: number;
  cameras: CameraSummary[];
  dataDir: string;
}

/** The drawn scenes' cameras: every scripted run's default. */
export const DEFAULT_CAMERAS: DemoCamera[] = [
  { name: 'porch', scene: 'person-walks' },
  { name: 'driveway', scene: 'car-passes' },
];

const CLI = path.join(__dirname, '..', '..', 'bin', 'porchlight.js');

/** Simulated pins of the demo, one directory per process under <dataDir>/gpio (see `porchlight sim gpio`). */
export const DEMO_GPIO = { syncButton: 22, pir: 17, recordingLed: 18 } as const;

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Children get their own process group: Ctrl-C reaches only the demo, which then stops
 * them in order (cameras first, so their last clips reach the hub before it stops).
 */
function startProcess(name: string, args: string[], logDir: string): ChildProcess {
  const log = openSync(path.join(logDir, `${name}.log`), 'a');
  // Camera agents run with the Node options their systemd unit gives them.
  const node = args[0] === 'agent' ? [...AGENT_NODE_FLAGS] : [];
  const child = spawn(process.execPath, [...node, CLI, ...args], { stdio: ['ignore', log, log], detached: true });
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

function sleepUntilSignal(seconds: number | undefined): Promise<void> {
  return new Promise((resolve) => {
    const finish = () => {
      process.off('SIGINT', finish);
      process.off('SIGTERM', finish);
      if (timer) clearTimeout(timer);
      resolve();
    };
    const timer = seconds === undefined ? null : setTimeout(finish, seconds * 1000);
    process.once('SIGINT', finish);
    process.once('SIGTERM', finish);
  });
}

export async function runDemo(options: DemoOptions): Promise<DemoSummary> {
  const say = options.say ?? ((line: string) => process.stderr.write(line + '\n'));
  const plan = planDemoCameras(options.cameras ?? DEFAULT_CAMERAS, options.realFootage ?? false, options.footageDirs);
  const cameras = plan.cameras;
  const dataDir = path.resolve(options.dataDir);
  const hubDir = path.join(dataDir, 'hub');
  const logDir = path.join(dataDir, 'logs');
  await fs.mkdir(logDir, { recursive: true });

  // The owner account: made once per data dir, its password kept beside it for re-runs.
  const loginFile = path.join(dataDir, 'demo-login.json');
  let login: { username: string; password: string };
  {
    const { db } = await openHubState(hubDir);
    try {
      if (existsSync(loginFile) && findUser(db, 'owner')) {
        login = JSON.parse(await fs.readFile(loginFile, 'utf8')) as typeof login;
      } else {
        login = { username: 'owner', password: randomBytes(9).toString('base64url') };
        if (!findUser(db, login.username)) await addUser(db, login.username, login.password, 'owner');
        await writeFileAtomic(loginFile, JSON.stringify(login), 0o600);
      }
      // The demo is about recording: the home starts armed away, as if everyone had left.
      // (A real hub starts disarmed; the owner arms it.)
      new ArmingStore(db).setManual({ mode: 'armed_away', at: Date.now(), by: 'demo' });
    } finally {
      db.close();
    }
  }

  // Simulated hardware starts at rest on every run: nothing left pressed or lit from the last.
  const gpioDir = path.join(dataDir, 'gpio');
  await fs.rm(gpioDir, { recursive: true, force: true });
  const hubGpio = { simulate: true, simulatedDir: path.join(gpioDir, 'hub'), syncButton: { line: DEMO_GPIO.syncButton } };
  const hubConfig = path.join(dataDir, 'hub.yaml');
  // The hub and the relay share the relay section, as one /etc/porchlight/config.yaml would:
  // the hub plays clips that retention left only in the cloud.
  const relaySection = { target: options.relayTarget ?? { type: 'directory', path: path.join(dataDir, 'cloud') }, pollSeconds: 0.5, retryBaseSeconds: 1, retryMaxSeconds: 10, probeSeconds: 2 };
  await writeFileAtomic(
    hubConfig,
    YAML.stringify({ dataDir: hubDir, hub: { host: '127.0.0.1', httpsPort: 0, httpPort: 0, redirectHttp: true, gpio: hubGpio }, relay: relaySection }),
    0o644,
  );
  const runtimeFile = hubPaths(hubDir).runtime;
  await fs.rm(runtimeFile, { force: true });
  const children: ChildProcess[] = [];
  const runStart = Date.now();
  const hub = startProcess('hub', ['hub', '--config', hubConfig], logDir);
  children.push(hub);
  try {
    const runtime = await hubListening(runtimeFile, hub, 30_000);
    const hubUrl = `https://127.0.0.1:${runtime.httpsPort}/`;

    const agents: Array<{ camera: DemoCamera; dir: string; deviceId: string; child: ChildProcess }> = [];
    for (const camera of cameras) {
      const dir = path.join(dataDir, 'agents', camera.name);
      let identity: AgentIdentity;
      if (!existsSync(identityFile(dir))) {
        await pakeReady();
        const { db } = await openHubState(hubDir);
        const window = await openPairingWindow(db, 60_000);
        db.close();
        identity = await pairCamera(dir, hubUrl, window.code, camera.name);
      } else {
        // The hub may have moved to another free port since the last run.
        identity = { ...(await loadIdentity(dir)), hubUrl };
        await saveIdentity(dir, identity);
      }
      const cfgFile = path.join(dataDir, `agent-${camera.name}.yaml`);
      const gpio = {
        simulate: true,
        simulatedDir: path.join(gpioDir, camera.name),
        pir: { line: DEMO_GPIO.pir, mode: 'trigger' },
        recordingLed: { line: DEMO_GPIO.recordingLed },
      };
      const agentSection = { ...demoAgentSection(camera, gpio), ...(options.agentOverrides ?? {}) };
      await writeFileAtomic(cfgFile, YAML.stringify({ dataDir: dir, agent: agentSection }), 0o644);
      await fs.rm(path.join(dir, 'run', 'agent-stats.json'), { force: true });
      agents.push({ camera, dir, deviceId: identity.deviceId, child: startProcess(`agent-${camera.name}`, ['agent', 'run', '--config', cfgFile], logDir) });
    }
    children.push(...agents.map((a) => a.child));

    const relayConfig = path.join(dataDir, 'relay.yaml');
    await writeFileAtomic(relayConfig, YAML.stringify({ dataDir: hubDir, relay: relaySection }), 0o644);
    const relay = startProcess('relay', ['relay', '--config', relayConfig], logDir);
    children.push(relay);

    say(`Porchlight demo running: ${runtime.url}`);
    say(`  sign in as "${login.username}" with password "${login.password}" (the browser will warn about the hub's own certificate)`);
    say(`  cameras: ${cameras.map((c) => `${c.name} (${getSimScene(c.scene).description})`).join('; ')}`);
    for (const line of detectionLines(plan, parseConfig({}).hub.notifyCooldownSeconds)) say(`  ${line}`);
    const sim = (args: string, dir: string) => `porchlight sim gpio ${args} --dir ${dir}`;
    say(`  sync button (GPIO${DEMO_GPIO.syncButton}): ${sim(`press ${DEMO_GPIO.syncButton}`, hubGpio.simulatedDir)}  (opens a pairing window; the code is in ${path.join(logDir, 'hub.log')})`);
    const first = cameras[0];
    if (first) {
      const dir = path.join(gpioDir, first.name);
      say(`  PIR sensor (GPIO${DEMO_GPIO.pir}): ${sim(`press ${DEMO_GPIO.pir} --ms 3000`, dir)}  (3 s of motion on ${first.name}; each camera has its directory in ${gpioDir})`);
      say(`  recording LED (GPIO${DEMO_GPIO.recordingLed}): ${path.join(dir, `gpio${DEMO_GPIO.recordingLed}`)} holds 1 while ${first.name} records  (${sim(`get ${DEMO_GPIO.recordingLed}`, dir)})`);
    }
    say(`  data and logs: ${dataDir}${options.duration ? `; running for ${options.duration} s` : '; Ctrl-C to stop'}`);

    await sleepUntilSignal(options.duration);
    say('stopping: cameras finish their clips, then the relay drains its queue');

    // Agents first: they close the open clip and hand the spool to the hub.
    await Promise.all(agents.map((a) => stopProcess(a.child)));
    const { db } = await openHubState(hubDir);
    try {
      await waitFor(
        'the relay to upload every clip',
        async () => {
          const row = db.prepare("SELECT COUNT(*) AS n FROM upload_queue WHERE state = 'pending'").get() as { n: number };
          return row.n === 0 ? true : undefined;
        },
        30_000,
      ).catch((err: Error) => say(`warning: ${err.message}`));

      const summaries: CameraSummary[] = [];
      for (const a of agents) {
        const stats = JSON.parse(await fs.readFile(path.join(a.dir, 'run', 'agent-stats.json'), 'utf8').catch(() => '{}')) as {
          motionEvents?: number;
          streamSeconds?: number;
        };
        const clips = db
          .prepare(
            `SELECT c.media_start AS s, c.media_end AS e, q.state FROM clips c JOIN upload_queue q ON q.clip_id = c.id
             WHERE c.device_id = ? AND c.stored_at >= ?`,
          )
          .all(a.deviceId, runStart) as Array<{ s: number; e: number; state: string }>;
        const streamSeconds = stats.streamSeconds ?? 0;
        const events = scriptedEvents(getSimScene(a.camera.scene), streamSeconds);
        const labels = db
          .prepare(
            `SELECT l.label, COUNT(DISTINCT l.event_at) AS n FROM motion_labels l
             WHERE l.device_id = ? AND l.event_at >= ? GROUP BY l.label`,
          )
          .all(a.deviceId, runStart) as Array<{ label: string; n: number }>;
        summaries.push({
          name: a.camera.name,
          scene: a.camera.scene,
          streamSeconds: +streamSeconds.toFixed(1),
          scriptedEvents: events.length,
          motionEvents: stats.motionEvents ?? 0,
          clipsStored: clips.length,
          clipsUploaded: clips.filter((c) => c.state === 'uploaded').length,
          eventsCovered: events.filter((ev) => clips.some((c) => c.s <= ev.start && c.e >= ev.end)).length,
          labelledEvents: Object.fromEntries(labels.map((l) => [l.label, l.n])),
        });
      }
      const total = (k: 'scriptedEvents' | 'motionEvents' | 'clipsStored' | 'clipsUploaded' | 'eventsCovered') =>
        summaries.reduce((n, s) => n + s[k], 0);
      return {
        scriptedEvents: total('scriptedEvents'),
        motionEvents: total('motionEvents'),
        clipsStored: total('clipsStored'),
        clipsUploaded: total('clipsUploaded'),
        eventsCovered: total('eventsCovered'),
        cameras: summaries,
        dataDir,
      };
    } finally {
      db.close();
    }
  } finally {
    await Promise.all(children.reverse().map((c) => stopProcess(c)));
  }
}

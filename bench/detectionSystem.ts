import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import { writeFileAtomic } from '../common/atomicFile';
import { hubPaths } from '../common/dataLayout';
import { AGENT_NODE_FLAGS } from '../camera-agent/nodeFlags';
import { pairCamera } from '../camera-agent/pairCamera';
import { ArmingStore } from '../hub/arming/armingStore';
import { openHubState } from '../hub/hub';
import { openPairingWindow } from '../hub/pairing';
import { pakeReady } from '../common/pairingBinding';
import type { PausedFootage } from './pausedFootage';
import { hubListening, stopProcess } from '../simulator/childProcesses';

export { stopProcess };

/*
 * The real hub (`porchlight hub`, its CenterNet worker included) and a real camera agent
 * (`porchlight agent run`) as separate processes on 127.0.0.1, the agent playing a footage file
 * in real time as its camera. The hub logs at debug level, which is where it writes a line per
 * detection picture (the camera, the event, the labels) and the worker's tensor count after it.
 */

const CLI = path.join(__dirname, '..', '..', 'bin', 'porchlight.js');

export interface RunningHub {
  child: ChildProcess;
  dir: string;
  url: string;
  logFile: string;
}

export interface RunningAgent {
  child: ChildProcess;
  deviceId: string;
}

function startProcess(args: string[], logFile: string): ChildProcess {
  const log = openSync(logFile, 'a');
  const node = args[0] === 'agent' ? [...AGENT_NODE_FLAGS] : [];
  return spawn(process.execPath, [...node, CLI, ...args], { stdio: ['ignore', log, log] });
}

/** A fresh hub in `work`/hub, armed (away) so that it looks at the camera's pictures. */
export async function startHub(work: string): Promise<RunningHub> {
  const dir = path.join(work, 'hub');
  const { db } = await openHubState(dir);
  try {
    new ArmingStore(db).setManual({ mode: 'armed_away', at: Date.now(), by: 'bench' });
  } finally {
    db.close();
  }
  const config = path.join(work, 'hub.yaml');
  await writeFileAtomic(config, YAML.stringify({ dataDir: dir, log: { level: 'debug' }, hub: { host: '127.0.0.1', httpsPort: 0, httpPort: 0 } }), 0o644);
  const logFile = path.join(work, 'hub.log');
  const child = startProcess(['hub', '--config', config], logFile);
  const runtimeFile = hubPaths(dir).runtime;
  const runtime = await hubListening(runtimeFile, child, 60_000);
  return { child, dir, url: `https://127.0.0.1:${runtime.httpsPort}/`, logFile };
}

/** Pairs a camera named `name` (once per `dir`) and starts its agent on the footage. */
export async function startAgent(hub: RunningHub, work: string, name: string, footage: PausedFootage, detection: boolean, deviceId?: string): Promise<RunningAgent> {
  const dir = path.join(work, 'agents', name);
  if (!deviceId) {
    await pakeReady();
    const { db } = await openHubState(hub.dir);
    const window = await openPairingWindow(db, 60_000);
    db.close();
    deviceId = (await pairCamera(dir, hub.url, window.code, name)).deviceId;
  }
  const config = path.join(work, `agent-${name}.yaml`);
  const agent = {
    name,
    source: footage.file,
    audio: false,
    video: { width: footage.width, height: footage.height, fps: footage.fps },
    detection: { enabled: detection },
  };
  await writeFileAtomic(config, YAML.stringify({ dataDir: dir, agent }), 0o644);
  return { child: startProcess(['agent', 'run', '--config', config], path.join(work, `agent-${name}.log`)), deviceId };
}

export interface HubLogLine {
  time: number;
  msg: string;
  [key: string]: unknown;
}

/** The hub's JSON log lines with `msg` among `messages`. */
export function hubLogLines(logFile: string, messages: string[]): HubLogLine[] {
  const out: HubLogLine[] = [];
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const entry = JSON.parse(line) as HubLogLine;
      if (messages.includes(entry.msg)) out.push(entry);
    } catch {
      // a line cut by a restart, or not JSON
    }
  }
  return out;
}

/** Resident memory (VmRSS) of one process now, in bytes; 0 once it is gone. */
export function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Least-squares slope of y over x. */
export function slope(points: Array<{ x: number; y: number }>): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  const sxy = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0);
  return sxx === 0 ? 0 : sxy / sxx;
}

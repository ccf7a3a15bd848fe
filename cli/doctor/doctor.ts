import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { loadConfig, type Config } from '../../common/config';
import {
  boardOf,
  checkCameras,
  checkCertificates,
  checkClock,
  checkDisk,
  checkFfmpeg,
  checkGpio,
  checkHubPorts,
  checkHubReach,
  checkRelayTarget,
  checkRelayUser,
  checkRtspCamera,
  checkServiceUser,
  type Finding,
} from './checks';
import type { DoctorProbes } from './probes';
import { RELAY_USER, SERVICE_USER } from '../../common/serviceAccount';
import { cameraSecrets, scrubFindings } from './secrets';

/*
 * `porchlight doctor`: which parts live on this machine (the hub's config, the cameras in
 * /etc/porchlight/agents), then every check that concerns them, in the order an installer
 * would fix things: the install, ffmpeg and cameras, GPIO, the clock, disks, the hub, and
 * whether each camera reaches its hub.
 */

export interface DoctorSetup {
  user: string;
  hub: { file: string; config: Config } | null;
  agents: Array<{ name: string; file: string; config: Config | null; problem?: string }>;
  /** Config files that would not load. */
  problems: Finding[];
}

export function loadDoctorSetup(options: { configFile?: string; agentsDir: string; user: string }): DoctorSetup {
  const problems: Finding[] = [];
  let hub: DoctorSetup['hub'] = null;
  if (options.configFile) {
    try {
      hub = { file: options.configFile, config: loadConfig(options.configFile) };
    } catch (err) {
      problems.push({ level: 'error', check: 'config', message: (err as Error).message, fix: `correct it, then: porchlight config validate ${options.configFile}` });
    }
  }
  const agents: DoctorSetup['agents'] = [];
  const files = existsSync(options.agentsDir) ? readdirSync(options.agentsDir).filter((f) => f.endsWith('.yaml')).sort() : [];
  for (const f of files) {
    const file = path.join(options.agentsDir, f);
    const name = f.slice(0, -'.yaml'.length);
    try {
      agents.push({ name, file, config: loadConfig(file) });
    } catch (err) {
      agents.push({ name, file, config: null, problem: (err as Error).message });
    }
  }
  return { user: options.user, hub, agents, problems };
}

/** What the configs wire to GPIO, in words. */
export function gpioUses(setup: DoctorSetup): string[] {
  const uses: string[] = [];
  const button = setup.hub?.config.hub.gpio.syncButton;
  if (button && setup.hub?.config.hub.gpio.simulate !== true) uses.push(`sync button on GPIO${button.line}`);
  for (const a of setup.agents) {
    const g = a.config?.agent.gpio;
    if (!g || g.simulate === true) continue;
    if (g.pir) uses.push(`${a.name} PIR on GPIO${g.pir.line}`);
    if (g.recordingLed) uses.push(`${a.name} LED on GPIO${g.recordingLed.line}`);
  }
  return uses;
}

export async function runDoctor(setup: DoctorSetup, probes: DoctorProbes, now = Date.now()): Promise<Finding[]> {
  const out: Finding[] = [...setup.problems];
  if (!setup.hub && setup.agents.length === 0 && setup.problems.length === 0) {
    out.push({ level: 'error', check: 'install', message: 'no Porchlight here: no hub config and no cameras in /etc/porchlight/agents', fix: 'sudo ./systemd/install.sh (or --agent-only on a camera board)' });
  }
  const account = probes.serviceAccount(setup.user);
  out.push(...checkServiceUser(setup.user, account));
  const groups = account?.groups ?? null;

  const [ff, model] = await Promise.all([probes.ffmpeg(), probes.boardModel()]);
  out.push(...checkFfmpeg(ff, boardOf(model)));

  for (const a of setup.agents) {
    if (!a.config) out.push({ level: 'error', check: `camera ${a.name}`, message: a.problem ?? 'its config does not load', fix: `correct ${a.file}, then: porchlight config validate ${a.file}` });
  }
  const cameras = setup.agents.flatMap((a) => (a.config ? [{ name: a.name, source: a.config.agent.source }] : []));
  const [devices, libcamera] = await Promise.all([probes.videoDevices(), probes.libcameraCameras()]);
  out.push(...checkCameras(cameras, devices, libcamera, groups, setup.user));
  for (const a of setup.agents) {
    if (!a.config || !/^rtsps?:\/\//i.test(a.config.agent.source)) continue;
    const agent = a.config.agent;
    out.push(checkRtspCamera(a.name, agent.source, agent.rtsp.credentialsFile, await probes.rtspCamera(agent)));
  }
  out.push(...checkGpio(gpioUses(setup), await probes.gpio(), groups, setup.user));
  out.push(...checkClock(await probes.clock()));

  if (setup.hub) {
    const c = setup.hub.config;
    const retention = c.relay.retention;
    out.push(...checkDisk('disk', c.dataDir, await probes.diskSpace(c.dataDir), { bytes: retention.localQuotaBytes, setting: 'relay.retention.localQuotaBytes' }, retention.minFreeBytes));
    out.push(...checkCertificates(await probes.hubCertificates(c.dataDir, c.hub.tls?.certFile), now));
    out.push(...checkHubPorts(await probes.hubState(c.dataDir, { httpsPort: c.hub.httpsPort, httpPort: c.hub.redirectHttp ? c.hub.httpPort : 0 })));
    out.push(...checkRelayTarget(c.relay.target, c.dataDir));
    // Only the install makes the relay its own user; a setup run as another user (--user) is one user.
    if (setup.user === SERVICE_USER) out.push(...checkRelayUser(setup.user, account, RELAY_USER, probes.serviceAccount(RELAY_USER)));
  }
  for (const a of setup.agents) {
    if (!a.config) continue;
    const rec = a.config.agent.recording;
    out.push(...checkDisk(`disk ${a.name}`, a.config.dataDir, await probes.diskSpace(a.config.dataDir), { bytes: rec.maxSpoolBytes, setting: 'agent.recording.maxSpoolBytes' }, 0));
    out.push(...checkHubReach(a.name, await probes.hubReach(a.config.dataDir)));
  }
  const secrets = await cameraSecrets(
    setup.agents.flatMap((a) => (a.config ? [{ source: a.config.agent.source, subStream: a.config.agent.rtsp.subStream, credentialsFile: a.config.agent.rtsp.credentialsFile }] : [])),
  );
  return scrubFindings(out, secrets);
}

import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import { writeFileAtomic } from '../common/atomicFile';
import { ConfigError, parseConfig } from '../common/config';
import { readServiceAccount, SERVICE_USER, type ServiceAccount } from '../common/serviceAccount';
import { parseSource } from './videoSource';

/*
 * A camera installed as a systemd service (systemd/install.sh): porchlight-agent@NAME
 * reads /etc/porchlight/agents/NAME.yaml and keeps its identity and spool in
 * /var/lib/porchlight/agents/NAME, both owned so that the service user reads them and
 * only root changes the config. `porchlight agent pair --system` writes both, so that
 * `systemctl enable --now porchlight-agent@NAME` is all that is left.
 */

export const AGENT_CONFIG_DIR = '/etc/porchlight/agents';
export const AGENT_STATE_DIR = '/var/lib/porchlight/agents';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Where an installed camera's files are, as the service sees them. */
export function agentServicePaths(name: string): { configFile: string; dataDir: string; unit: string } {
  return { configFile: path.join(AGENT_CONFIG_DIR, `${name}.yaml`), dataDir: path.join(AGENT_STATE_DIR, name), unit: `porchlight-agent@${name}` };
}

/**
 * The camera's config file: the one already there with name, data dir and (when given) source
 * set — comments and other settings kept — or a new one. Throws a ConfigError naming the
 * setting when the result would not load.
 */
export function agentConfigText(existing: string | null, name: string, dataDir: string, source?: string): string {
  const doc = existing ? YAML.parseDocument(existing) : new YAML.Document({});
  if (doc.errors.length > 0) throw new ConfigError(`the existing camera config is not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
  if (!existing) {
    doc.commentBefore = ` Camera "${name}" (porchlight-agent@${name}); every setting: docs/configuration.md`;
    doc.set('version', 1);
  }
  doc.set('dataDir', dataDir);
  doc.setIn(['agent', 'name'], name);
  if (source !== undefined) doc.setIn(['agent', 'source'], source);
  const text = doc.toString();
  const parsed = parseConfig(YAML.parse(text), `${name}.yaml`);
  if (!existing && source === undefined) {
    // The default source is a simulated scene: an installed camera must say which camera it is.
    throw new ConfigError(`camera "${name}" has no config yet: give --source (v4l2:/dev/video0, rtsp://… or a file)`);
  }
  parseSource(parsed.agent.source);
  return text;
}

export interface SystemAgent {
  name: string;
  /** The data dir on disk (under root), where pairing writes the identity. */
  dataDir: string;
  configFile: string;
  unit: string;
  /** Writes the config and hands the data dir to the service user; call once paired. */
  finish(): Promise<void>;
}

/**
 * Checks everything that can be checked before the one-time code is spent: running as root,
 * the service user exists, the name is a valid unit instance, the config will load.
 */
export async function prepareSystemAgent(options: { name: string; source?: string; root?: string }): Promise<SystemAgent> {
  const root = path.resolve(options.root ?? '/');
  const { name } = options;
  if (!NAME.test(name)) throw new ConfigError(`"${name}" cannot name a camera: use letters, digits, "-", "_" or "." (at most 64), starting with a letter or digit`);
  if (process.getuid?.() !== 0) throw new ConfigError('--system writes /etc/porchlight and /var/lib/porchlight: run it with sudo');
  const account: ServiceAccount | null = readServiceAccount(root);
  if (!account) throw new ConfigError(`there is no "${SERVICE_USER}" user: install Porchlight first (sudo ./systemd/install.sh --agent-only)`);
  const service = agentServicePaths(name);
  const configFile = path.join(root, service.configFile);
  const dataDir = path.join(root, service.dataDir);
  const existing = existsSync(configFile) ? await fs.readFile(configFile, 'utf8') : null;
  const text = agentConfigText(existing, name, service.dataDir, options.source);
  await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
  return {
    name,
    dataDir,
    configFile: service.configFile,
    unit: service.unit,
    async finish() {
      await fs.mkdir(path.dirname(configFile), { recursive: true, mode: 0o750 });
      await writeFileAtomic(configFile, text, 0o640);
      await fs.chown(configFile, 0, account.gid);
      await fs.chmod(configFile, 0o640);
      // The identity holds the device token: readable by the service user alone.
      await fs.chown(dataDir, account.uid, account.gid);
      await fs.chmod(dataDir, 0o700);
      for (const entry of await fs.readdir(dataDir)) await fs.chown(path.join(dataDir, entry), account.uid, account.gid);
    },
  };
}

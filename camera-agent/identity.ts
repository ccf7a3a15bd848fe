import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../common/atomicFile';

/** What an agent learns when it pairs: who it is, how to reach the hub, whom to trust. */
export interface AgentIdentity {
  deviceId: string;
  token: string;
  name: string;
  hubUrl: string;
  caPem: string;
  caFingerprint: string;
  footagePublicKey: string;
}

export function identityFile(dataDir: string): string {
  return path.join(dataDir, 'identity.json');
}

export async function saveIdentity(dataDir: string, identity: AgentIdentity): Promise<void> {
  await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
  await writeFileAtomic(identityFile(dataDir), JSON.stringify(identity, null, 2) + '\n', 0o600);
}

export async function loadIdentity(dataDir: string): Promise<AgentIdentity> {
  const file = identityFile(dataDir);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    throw new Error(`this camera is not paired yet (no ${file}): run "porchlight agent pair --hub URL --code CODE"`);
  }
  const parsed = JSON.parse(text) as Partial<AgentIdentity>;
  for (const key of ['deviceId', 'token', 'name', 'hubUrl', 'caPem', 'caFingerprint', 'footagePublicKey'] as const) {
    if (typeof parsed[key] !== 'string' || parsed[key] === '') throw new Error(`${file} is damaged: "${key}" is missing; pair again`);
  }
  return parsed as AgentIdentity;
}

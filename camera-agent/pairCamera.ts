import { pairWithHub } from './hubClient';
import { saveIdentity, type AgentIdentity } from './identity';

/** Pairs with the hub and stores the identity (device id, token, pinned CA) in the agent's data dir. */
export async function pairCamera(dataDir: string, hubUrl: string, code: string, name: string): Promise<AgentIdentity> {
  const paired = await pairWithHub(hubUrl, code.trim(), name);
  const identity: AgentIdentity = {
    deviceId: paired.deviceId,
    token: paired.token,
    name,
    hubUrl: new URL('/', hubUrl).toString(),
    caPem: paired.caPem,
    caFingerprint: paired.caFingerprint,
    footagePublicKey: paired.footagePublicKey,
  };
  await saveIdentity(dataDir, identity);
  return identity;
}

import { normaliseFingerprint } from '../common/pairingUri';
import { fetchPinnedHubCa } from './hubCaProbe';
import { pairWithHub } from './hubClient';
import { saveIdentity, type AgentIdentity } from './identity';

/**
 * Pairs with the hub and stores the identity (device id, token, pinned CA) in the agent's
 * data dir. The code is proven through OPAQUE, never sent (pairWithHub), so only a hub that
 * holds it is trusted; with `caFingerprint` (from a pairing link) the hub must also prove it
 * holds that CA before pairing starts.
 */
export async function pairCamera(dataDir: string, hubUrl: string, code: string, name: string, caFingerprint?: string): Promise<AgentIdentity> {
  const pinned = caFingerprint ? await fetchPinnedHubCa(hubUrl, caFingerprint) : undefined;
  const paired = await pairWithHub(hubUrl, code.trim(), name, pinned);
  if (caFingerprint && normaliseFingerprint(paired.caFingerprint) !== normaliseFingerprint(caFingerprint)) {
    throw new Error('the hub answered with a CA other than the one in the pairing link: not paired');
  }
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

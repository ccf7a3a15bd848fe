import QRCode from 'qrcode';
import { pairingUri } from '../common/pairingUri';
import type { PairingWindow } from './pairing';
import type { PairingInvite } from '../common/api/devices';

/*
 * What the Cameras page shows for an open pairing window: the code, the same invitation as a
 * porchlight://pair link and its QR code, and the command to run on the camera.
 */

/** What the Cameras page shows for an open pairing window. */
export type PairingInviteView = PairingInvite;

const HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/;

/**
 * The address the camera should use: the one the browser reached the hub at (a phone on the
 * home network used the same LAN address the camera will), else the hub's own idea of it.
 */
export function hubUrlFor(hostHeader: string | undefined, fallback: string): string {
  if (hostHeader && HOST.test(hostHeader)) return `https://${hostHeader}/`;
  return fallback;
}

export async function pairingInvite(window: PairingWindow, hubUrl: string, caFingerprint: string): Promise<PairingInviteView> {
  const uri = pairingUri({ hubUrl, code: window.code, caFingerprint });
  const svg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return {
    ...window,
    hubUrl,
    uri,
    qr: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`,
    command: `porchlight agent pair --uri '${uri}'`,
    manualCommand: `porchlight agent pair --hub ${hubUrl} --code ${window.code}`,
  };
}

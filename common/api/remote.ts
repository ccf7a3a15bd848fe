import { Type, type Static } from '@sinclair/typebox';
import { said } from './words';

/*
 * Remote access through the hub's WireGuard endpoint (docs/remote.md), for owners: the
 * endpoint's settings, the peers (phones, laptops), and a new peer's config, which carries its
 * private key and is therefore answered once. The rules for each input live here so the
 * console command and the page refuse the same things with the same words.
 */

const Strict = { additionalProperties: false } as const;

export const DEFAULT_LISTEN_PORT = 51820;
export const DEFAULT_INTERFACE = 'porchlight';

/** Letters, digits, space and . _ ' - ; it becomes a comment line in the hub's WireGuard config. */
export const PEER_NAME_PATTERN = "^[A-Za-z0-9][A-Za-z0-9 ._'-]{0,39}$";
const HOST_LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;
/** A Linux interface name (IFNAMSIZ - 1) that wg-quick accepts as a config file name. */
export const INTERFACE_PATTERN = '^[A-Za-z0-9_=+.-]{1,15}$';

export const RemoteSettingsSchema = Type.Object({
  /** The public name or address phones dial: the home's DNS name or its router's public IP. */
  endpoint: Type.String(),
  listenPort: Type.Integer(),
  /** The tunnel's /24, e.g. 10.73.41.0/24; the hub is its .1. */
  subnet: Type.String(),
  hubAddress: Type.String(),
  interface: Type.String(),
  hubPublicKey: Type.String(),
});
export type RemoteSettings = Static<typeof RemoteSettingsSchema>;

export const RemotePeerSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  address: Type.String(),
  publicKey: Type.String(),
  createdAt: Type.Number(),
  createdBy: Type.String(),
});
export type RemotePeer = Static<typeof RemotePeerSchema>;

export const RemoteStateSchema = Type.Object({
  settings: Type.Union([RemoteSettingsSchema, Type.Null()]),
  peers: Type.Array(RemotePeerSchema),
});
export type RemoteState = Static<typeof RemoteStateSchema>;

export const RemoteSetupBody = Type.Object(
  {
    endpoint: Type.String({ ...said('the public name or address'), minLength: 1, maxLength: 253 }),
    listenPort: Type.Optional(Type.Integer({ ...said('the port'), minimum: 1, maximum: 65535 })),
  },
  Strict,
);

export const RemoteAddBody = Type.Object({ name: Type.String({ ...said('the name'), pattern: PEER_NAME_PATTERN }) }, Strict);

export const NewRemotePeerSchema = Type.Object({
  peer: RemotePeerSchema,
  /** The wg-quick config for the WireGuard app, private key included: shown once, never stored. */
  config: Type.String(),
  /** The same config as a QR code (SVG) for the WireGuard app's "scan from QR code". */
  qrSvg: Type.String(),
});
export type NewRemotePeer = Static<typeof NewRemotePeerSchema>;

export const RemotePeerParams = Type.Object({ id: Type.String({ ...said('the peer'), pattern: '^[A-Za-z0-9_-]{1,64}$' }) }, Strict);

/** Why `name` cannot name a peer, or null. */
export function peerNameProblem(name: string): string | null {
  if (new RegExp(PEER_NAME_PATTERN).test(name)) return null;
  return "a peer's name is 1 to 40 letters, digits, spaces or . _ ' - and starts with a letter or digit (e.g. \"Anna's phone\")";
}

// Without node:net: the page's bundle checks the same rule.
function isIpAddress(text: string): boolean {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) return v4.slice(1).every((o) => Number(o) <= 255 && (o === '0' || !o.startsWith('0')));
  if (!/^[0-9A-Fa-f:.]+$/.test(text) || !text.includes(':')) return false;
  try {
    new URL(`http://[${text}]/`);
    return true;
  } catch {
    return false;
  }
}

/**
 * Why `endpoint` cannot be dialled by a phone from away, or null. It is the home's public DNS
 * name or IP address as seen from the internet; a port is given apart, so "host:port" is refused.
 */
export function endpointProblem(endpoint: string): string | null {
  const e = endpoint.trim();
  if (isIpAddress(e)) return null;
  const labels = e.replace(/\.$/, '').split('.');
  if (e.length <= 253 && labels.length >= 1 && labels.every((l) => HOST_LABEL.test(l)) && !/^\d+$/.test(labels[labels.length - 1]!)) return null;
  if (/:\d+$/.test(e)) return 'give the public name or address without a port (the port is set apart, 51820 by default)';
  return 'the endpoint must be the home\'s public DNS name (e.g. home.example.net) or public IP address, as phones reach it from the internet';
}

export function listenPortProblem(port: number): string | null {
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? null : 'the WireGuard port is a whole number from 1 to 65535 (51820 by default)';
}

/** A "10.a.b.0/24" for the tunnel, or why not. Only private IPv4 /24s: the tunnel must never shadow a public address. */
export function subnetProblem(subnet: string): string | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.0\/24$/.exec(subnet);
  const [a, b, c] = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [NaN, NaN, NaN];
  const octets = m !== null && [a, b, c].every((n) => n <= 255);
  const priv = a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
  if (octets && priv) return null;
  return 'the tunnel subnet is a private IPv4 /24 written like 10.73.41.0/24 (in 10/8, 172.16/12 or 192.168/16), not used by the home network or the networks phones join';
}

/**
 * Only "porchlight": the systemd units (porchlight-wg.service, its reload path and config
 * check) and the data directory's mode repair name that interface and its config file, so any
 * other name would give a config that nothing brings up and whose private key nothing keeps
 * 0600 (docs/remote.md, Decisions).
 */
export function interfaceProblem(name: string): string | null {
  if (!new RegExp(INTERFACE_PATTERN).test(name)) return 'the interface name is 1 to 15 letters, digits or _ = + . -';
  if (name !== DEFAULT_INTERFACE) return `the interface can only be "${DEFAULT_INTERFACE}": porchlight-wg.service, its reload unit and the hub's file-mode repair are written for that name (docs/remote.md)`;
  return null;
}

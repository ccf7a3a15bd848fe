import { randomBytes, randomInt } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { DB } from '../common/database';
import { readOrCreateSecretFile, writeFileAtomic } from '../common/atomicFile';
import { withLockFile } from '../common/lockFile';
import { readSetting, writeSetting } from '../common/settingsTable';
import {
  DEFAULT_INTERFACE,
  DEFAULT_LISTEN_PORT,
  endpointProblem,
  interfaceProblem,
  listenPortProblem,
  peerNameProblem,
  subnetProblem,
  type RemotePeer,
  type RemoteSettings,
} from '../common/api/remote';
import { addLivePeer, generateKeyPair, isWireGuardKey, liveInterface, publicKeyOf, removeLivePeer } from './wireguardTools';

/*
 * Remote access (docs/remote.md): the hub as a WireGuard endpoint that the household's phones
 * and laptops join as peers, so the page and the API are reachable from away while nothing but
 * one UDP port faces the internet.
 *
 * The hub's database holds the settings (settings table) and the peers' public keys
 * (remote_peers); from them this module writes <dataDir>/wireguard/<interface>.conf, a wg-quick
 * config. The hub never touches the network itself (it has no CAP_NET_ADMIN): root brings the
 * interface up from that file (porchlight-wg.service, `wg-quick up`) and re-applies it when it
 * changes (porchlight-wg-reload.path, `wg syncconf`). A process that is root here changes the
 * live interface at once too (`wg set`); the console is not one (it becomes the data
 * directory's owner first, cli/hubState.ts).
 */

const SETTING = 'remote.wireguard';

interface StoredSettings {
  endpoint: string;
  listenPort: number;
  subnet: string;
  interface: string;
}

/** A refusal the owner can fix; `code` for the API, the message for everyone. */
export class RemoteAccessError extends Error {
  constructor(
    readonly code: 'NOT_SET_UP' | 'BAD_INPUT' | 'NAME_TAKEN' | 'SUBNET_FULL' | 'NO_SUCH_PEER',
    message: string,
  ) {
    super(message);
  }
}

export function remoteDir(dataDir: string): string {
  return path.join(dataDir, 'wireguard');
}

export function remoteFiles(dataDir: string, ifname: string) {
  const dir = remoteDir(dataDir);
  return { dir, hubKey: path.join(dir, 'hub.key'), config: path.join(dir, `${ifname}.conf`) };
}

function stored(db: DB): StoredSettings | null {
  return readSetting<StoredSettings>(db, SETTING);
}

/** "10.73.41.0/24" → "10.73.41.": the tunnel is always a /24 (subnetProblem). */
function prefixOf(subnet: string): string {
  return subnet.replace(/0\/24$/, '');
}

/**
 * The hub's address inside the tunnel and the tunnel's subnet, or null when remote access was
 * never set up. The hub's certificate must name this address: a phone from away opens
 * https://<address>/ and would otherwise be warned.
 */
export function remoteTunnelAddress(db: DB): { address: string; subnet: string } | null {
  const s = stored(db);
  return s ? { address: `${prefixOf(s.subnet)}1`, subnet: s.subnet } : null;
}

/** The wireguard/ folder, 0700. */
async function ensureRemoteDir(dataDir: string): Promise<void> {
  await fs.mkdir(remoteDir(dataDir), { recursive: true, mode: 0o700 });
}

async function hubPrivateKey(dataDir: string, ifname: string): Promise<string> {
  const file = remoteFiles(dataDir, ifname).hubKey;
  let text = await fs.readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (text === null) {
    // Made once, 0600, linked into place: a console command and the hub racing end with one key.
    const made = (await generateKeyPair()).privateKey;
    await ensureRemoteDir(dataDir);
    text = await readOrCreateSecretFile(file, () => `${made}\n`);
  }
  const key = text.trim();
  if (!isWireGuardKey(key)) throw new Error(`${file} does not hold a WireGuard private key: remove it and run "porchlight remote setup" again (every peer must then be added again)`);
  return key;
}

/** A random 10.x.y.0/24, chosen once: unlikely to be the network a phone sits on (those are mostly 192.168.x and 10.0.x). */
export function randomSubnet(): string {
  return `10.${randomInt(64, 251)}.${randomInt(0, 256)}.0/24`;
}

const RESERVED_SUBNET = 'remote.wireguard.reservedSubnet';

/**
 * The tunnel's subnet, chosen once at the hub's first start even before remote access is set
 * up: the household CA, made at that start, must already permit it, or setting up remote
 * access later would need a new CA on every phone. Setup uses it unless told another.
 */
export function tunnelSubnet(db: DB): string {
  const set = stored(db)?.subnet ?? readSetting<string>(db, RESERVED_SUBNET);
  if (set) return set;
  const chosen = randomSubnet();
  writeSetting(db, RESERVED_SUBNET, chosen);
  return chosen;
}

/** What the hub's browser certificate names and its CA permits for the tunnel: the subnet and the hub's address in it. */
export function tunnelNames(db: DB): string[] {
  const subnet = tunnelSubnet(db);
  return [subnet, `${prefixOf(subnet)}1`];
}

export async function remoteSettings(db: DB, dataDir: string): Promise<RemoteSettings | null> {
  const s = stored(db);
  if (!s) return null;
  const publicKey = await publicKeyOf(await hubPrivateKey(dataDir, s.interface));
  return { ...s, hubAddress: `${prefixOf(s.subnet)}1`, hubPublicKey: publicKey };
}

export interface SetupInput {
  endpoint: string;
  listenPort?: number;
  /** Only when first set up: the subnet is kept afterwards, as every peer's config names it. */
  subnet?: string;
  interface?: string;
}

/** Sets up (or changes the endpoint and port of) the hub's WireGuard endpoint; writes its config. */
export async function setupRemote(db: DB, dataDir: string, input: SetupInput): Promise<RemoteSettings> {
  const before = stored(db);
  const endpoint = input.endpoint.trim();
  const listenPort = input.listenPort ?? before?.listenPort ?? DEFAULT_LISTEN_PORT;
  const ifname = input.interface ?? before?.interface ?? DEFAULT_INTERFACE;
  const subnet = input.subnet ?? before?.subnet ?? tunnelSubnet(db);
  const problem = endpointProblem(endpoint) ?? listenPortProblem(listenPort) ?? interfaceProblem(ifname) ?? subnetProblem(subnet);
  if (problem) throw new RemoteAccessError('BAD_INPUT', problem);
  if (before && (subnet !== before.subnet || ifname !== before.interface)) {
    throw new RemoteAccessError('BAD_INPUT', `remote access is already set up on ${before.subnet} (interface ${before.interface}); every peer's config names them, so they stay`);
  }
  await hubPrivateKey(dataDir, ifname);
  writeSetting(db, SETTING, { endpoint, listenPort, subnet, interface: ifname } satisfies StoredSettings);
  await writeHubConfig(db, dataDir);
  return (await remoteSettings(db, dataDir))!;
}

interface PeerRow {
  id: string;
  name: string;
  public_key: string;
  address: string;
  created_at: number;
  created_by: string;
}

const toPeer = (r: PeerRow): RemotePeer => ({ id: r.id, name: r.name, address: r.address, publicKey: r.public_key, createdAt: r.created_at, createdBy: r.created_by });

export function listRemotePeers(db: DB): RemotePeer[] {
  return (db.prepare('SELECT * FROM remote_peers ORDER BY created_at, name').all() as PeerRow[]).map(toPeer);
}

/** By id, or by name as the console lists it. */
export function findRemotePeer(db: DB, idOrName: string): RemotePeer | null {
  const row = db.prepare('SELECT * FROM remote_peers WHERE id = ? OR name = ?').get(idOrName, idOrName) as PeerRow | undefined;
  return row ? toPeer(row) : null;
}

function notSetUp(): RemoteAccessError {
  return new RemoteAccessError('NOT_SET_UP', 'remote access is not set up: give the home\'s public name or address first ("porchlight remote setup --endpoint home.example.net", or the Remote access page)');
}

/** The writes of each config file in flight in this process, one after another. */
const configWrites = new Map<string, Promise<unknown>>();

/**
 * Renders the hub's wg-quick config from the database and writes it (0600, atomically).
 * Reading the peers and renaming the file in are one step, taken by one writer at a time: in
 * this process through a promise chain, between the hub and a console command through a lock
 * file. Otherwise an addition and a revocation at the same moment could each read the peers
 * and the slower rename win with a list that still holds the revoked peer. Each writer reads
 * after its own change is in the database, so the last one writes every change made so far.
 */
export async function writeHubConfig(db: DB, dataDir: string): Promise<string> {
  const s = stored(db);
  if (!s) throw notSetUp();
  const files = remoteFiles(dataDir, s.interface);
  const previous = configWrites.get(files.config) ?? Promise.resolve();
  const mine = previous
    .catch(() => {})
    .then(async () => {
      await ensureRemoteDir(dataDir);
      return withLockFile(`${files.config}.lock`, () => renderHubConfig(db, dataDir));
    });
  configWrites.set(files.config, mine);
  try {
    return await mine;
  } finally {
    if (configWrites.get(files.config) === mine) configWrites.delete(files.config);
  }
}

async function renderHubConfig(db: DB, dataDir: string): Promise<string> {
  const s = stored(db);
  if (!s) throw notSetUp();
  const files = remoteFiles(dataDir, s.interface);
  const lines = [
    '# Written by Porchlight from its database ("porchlight remote", the Remote access page): edits here are overwritten.',
    '[Interface]',
    `Address = ${prefixOf(s.subnet)}1/24`,
    `ListenPort = ${s.listenPort}`,
    `PrivateKey = ${await hubPrivateKey(dataDir, s.interface)}`,
  ];
  for (const p of listRemotePeers(db)) {
    // Each peer may send only from its own address: a phone cannot pose as another.
    lines.push('', `# ${p.name} (${p.id})`, '[Peer]', `PublicKey = ${p.publicKey}`, `AllowedIPs = ${p.address}/32`);
  }
  await writeFileAtomic(files.config, `${lines.join('\n')}\n`, 0o600);
  return files.config;
}

function freeAddress(db: DB, subnet: string): string {
  const used = new Set((db.prepare('SELECT address FROM remote_peers').all() as { address: string }[]).map((r) => r.address));
  for (let host = 2; host <= 254; host++) {
    const address = `${prefixOf(subnet)}${host}`;
    if (!used.has(address)) return address;
  }
  throw new RemoteAccessError('SUBNET_FULL', 'the tunnel has no free address left (253 peers): revoke a peer you no longer use');
}

/** The config the WireGuard app imports: split tunnel, only the hub's address goes through it. */
export function peerConfig(settings: RemoteSettings, peer: RemotePeer, privateKey: string): string {
  const host = settings.endpoint.includes(':') ? `[${settings.endpoint}]` : settings.endpoint;
  return [
    `# Porchlight remote access: ${peer.name}`,
    '[Interface]',
    `PrivateKey = ${privateKey}`,
    `Address = ${peer.address}/32`,
    '',
    '[Peer]',
    `PublicKey = ${settings.hubPublicKey}`,
    `Endpoint = ${host}:${settings.listenPort}`,
    `AllowedIPs = ${settings.hubAddress}/32`,
    '',
  ].join('\n');
}

export interface AddedPeer {
  peer: RemotePeer;
  /** The peer's wg-quick config with its private key: give it to the owner once, keep it nowhere. */
  config: string;
  /** The live interface has it already (root with the interface up); otherwise the reload unit adds it. */
  appliedLive: boolean;
}

export async function addRemotePeer(db: DB, dataDir: string, name: string, createdBy: string, now: number): Promise<AddedPeer> {
  const settings = await remoteSettings(db, dataDir);
  if (!settings) throw notSetUp();
  const trimmed = name.trim();
  const problem = peerNameProblem(trimmed);
  if (problem) throw new RemoteAccessError('BAD_INPUT', problem);
  const keys = await generateKeyPair();
  const peer = db.transaction((): RemotePeer => {
    if (findRemotePeer(db, trimmed)) throw new RemoteAccessError('NAME_TAKEN', `there is already a peer named "${trimmed}": choose another name, or revoke that one first`);
    const row: PeerRow = { id: randomBytes(9).toString('base64url'), name: trimmed, public_key: keys.publicKey, address: freeAddress(db, settings.subnet), created_at: now, created_by: createdBy };
    db.prepare('INSERT INTO remote_peers (id, name, public_key, address, created_at, created_by) VALUES (@id, @name, @public_key, @address, @created_at, @created_by)').run(row);
    return toPeer(row);
  }).immediate();
  await writeHubConfig(db, dataDir);
  let appliedLive = false;
  if (await liveInterface(settings.interface)) {
    await addLivePeer(settings.interface, peer.publicKey, peer.address);
    appliedLive = true;
  }
  return { peer, config: peerConfig(settings, peer, keys.privateKey), appliedLive };
}

/** Forgets a peer and removes it from the saved config and, where this process may, from the live interface. */
export async function revokeRemotePeer(db: DB, dataDir: string, idOrName: string): Promise<{ peer: RemotePeer; appliedLive: boolean }> {
  const peer = findRemotePeer(db, idOrName);
  if (!peer) throw new RemoteAccessError('NO_SUCH_PEER', `no peer named or numbered "${idOrName}" (see "porchlight remote list")`);
  const s = stored(db);
  if (!s) throw notSetUp();
  db.prepare('DELETE FROM remote_peers WHERE id = ?').run(peer.id);
  await writeHubConfig(db, dataDir);
  let appliedLive = false;
  if (await liveInterface(s.interface)) {
    await removeLivePeer(s.interface, peer.publicKey);
    appliedLive = true;
  }
  return { peer, appliedLive };
}

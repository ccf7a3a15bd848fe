import { spawn } from 'node:child_process';

/*
 * The few calls into Debian's wireguard-tools (`wg`) that remote access needs: keys are made
 * by `wg genkey` / `wg pubkey`, on this machine, and a running interface is changed with
 * `wg set`. Nothing here needs a shell; secrets go through stdin, never the command line
 * (which other users can read in /proc).
 */

/** wireguard-tools is missing or failed; the message says what to install or what went wrong. */
export class WireGuardToolsError extends Error {}

const WG_KEY = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;

/** A WireGuard key as `wg` writes it: 32 bytes in base64. */
export function isWireGuardKey(text: string): boolean {
  return WG_KEY.test(text);
}

function run(command: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', (e: NodeJS.ErrnoException) => {
      reject(new WireGuardToolsError(e.code === 'ENOENT' ? `"${command}" is not installed: install Debian's wireguard-tools (sudo apt install wireguard-tools)` : `${command}: ${e.message}`));
    });
    child.on('close', (code) => {
      if (code === 0) resolve(out);
      else reject(new WireGuardToolsError(`${command} ${args[0] ?? ''} failed (exit ${String(code)}): ${err.trim() || 'no message'}`));
    });
    if (child.stdin) {
      // A tool that exits before reading (a bad interface name) closes its stdin; its exit code tells.
      child.stdin.on('error', () => {});
      child.stdin.end(input);
    }
  });
}

export interface WireGuardKeyPair {
  privateKey: string;
  publicKey: string;
}

export async function publicKeyOf(privateKey: string): Promise<string> {
  const publicKey = (await run('wg', ['pubkey'], `${privateKey}\n`)).trim();
  if (!isWireGuardKey(publicKey)) throw new WireGuardToolsError('wg pubkey gave something that is not a key');
  return publicKey;
}

export async function generateKeyPair(): Promise<WireGuardKeyPair> {
  const privateKey = (await run('wg', ['genkey'])).trim();
  if (!isWireGuardKey(privateKey)) throw new WireGuardToolsError('wg genkey gave something that is not a key');
  return { privateKey, publicKey: await publicKeyOf(privateKey) };
}

/**
 * Whether this process may change network interfaces and `ifname` is up: only then are peer
 * changes applied to the live interface at once. Otherwise (the hub, a console command as the
 * porchlight user) the porchlight-wg-reload.path unit applies the saved config as root.
 */
export async function liveInterface(ifname: string): Promise<boolean> {
  if (process.getuid?.() !== 0) return false;
  try {
    await run('wg', ['show', ifname, 'public-key']);
    return true;
  } catch {
    return false;
  }
}

export async function addLivePeer(ifname: string, publicKey: string, address: string): Promise<void> {
  await run('wg', ['set', ifname, 'peer', publicKey, 'allowed-ips', `${address}/32`]);
}

export async function removeLivePeer(ifname: string, publicKey: string): Promise<void> {
  await run('wg', ['set', ifname, 'peer', publicKey, 'remove']);
}

import { promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { CheckResult } from '../api/cloudTarget';
import { readGroupIds, type ServiceAccount } from '../serviceAccount';

/*
 * "Test" of a folder target when the relay runs as its own user (docs/security.md "The relay's
 * own user"). The test runs in the hub, whose user is not the one that writes there: a real
 * write would judge the wrong user, and a folder the hub created would be the hub's (0700 under
 * its umask), which the relay cannot enter. So the hub only reads permissions (stat) and judges
 * them for the relay's uid and gids, and creates nothing.
 */

/** The relay's ids as the kernel checks them: uid, primary gid and supplementary gids. */
export interface RelayIds {
  name: string;
  uid: number;
  gids: number[];
}

/** One path on the way to the folder, as stat saw it. */
export interface PathStat {
  path: string;
  uid: number;
  gid: number;
  /** st_mode; only the permission bits are read. */
  mode: number;
}

const R = 4;
const W = 2;
const X = 1;

/** The rwx bits that apply to `who` (owner bits, else group bits, else other bits, as the kernel picks; root gets all). */
function bitsFor(who: RelayIds, st: PathStat): number {
  if (who.uid === 0) return R | W | X;
  if (st.uid === who.uid) return (st.mode >> 6) & 7;
  if (who.gids.includes(st.gid)) return (st.mode >> 3) & 7;
  return st.mode & 7;
}

function describeOwner(st: PathStat, names: { user: (uid: number) => string; group: (gid: number) => string }): string {
  return `${(st.mode & 0o777).toString(8).padStart(4, '0')} ${names.user(st.uid)}:${names.group(st.gid)}`;
}

export interface FolderPlan {
  /** From / down to the last existing path; the last one is the folder itself when `exists`. */
  chain: PathStat[];
  /** The folder is there; else the relay must create it inside the last path of the chain. */
  exists: boolean;
}

/**
 * What stops the relay's user from using the folder, or null. The folder itself needs rwx (the
 * relay lists it to clean up, and writes); when it is missing, its nearest existing parent needs
 * wx (the relay makes it at its first upload); every path above needs x.
 */
export function relayFolderProblem(
  who: RelayIds,
  folder: string,
  plan: FolderPlan,
  names: { user: (uid: number) => string; group: (gid: number) => string; relayGroup: string },
): string | null {
  const last = plan.chain.length - 1;
  for (let i = 0; i <= last; i++) {
    const st = plan.chain[i]!;
    const need = i < last ? X : plan.exists ? R | W | X : W | X;
    if ((bitsFor(who, st) & need) === need) continue;
    const now = describeOwner(st, names);
    if (i < last) {
      return `the relay's user ${who.name} cannot reach ${folder}: it may not enter ${st.path} (${now}); run: sudo chmod o+x ${st.path}, or choose another folder`;
    }
    if (plan.exists) {
      return `the relay's user ${who.name} cannot write ${folder}: it is ${now}; run: sudo chown ${who.name}:${names.relayGroup} ${folder} && sudo chmod 0750 ${folder}`;
    }
    return `the relay's user ${who.name} cannot create ${folder} in ${st.path} (${now}); run: sudo install -d -m 0750 -o ${who.name} -g ${names.relayGroup} ${folder}`;
  }
  return null;
}

/** The paths from / down to `folder` that exist; ENOENT ends the chain, other errors are thrown. */
async function statChain(folder: string): Promise<FolderPlan> {
  const parts: string[] = [];
  for (let p = path.resolve(folder); ; p = path.dirname(p)) {
    parts.unshift(p);
    if (p === path.dirname(p)) break;
  }
  const chain: PathStat[] = [];
  for (const p of parts) {
    let st;
    try {
      st = await fs.stat(p);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { chain, exists: false };
      throw err;
    }
    if (!st.isDirectory()) {
      const e = new Error(`${p} is not a folder`) as NodeJS.ErrnoException;
      e.code = 'ENOTDIR';
      throw e;
    }
    chain.push({ path: p, uid: st.uid, gid: st.gid, mode: st.mode });
  }
  return { chain, exists: true };
}

/** The relay's uid and gids from its account and the group file. */
export function relayIdsOf(account: ServiceAccount, root = '/'): RelayIds {
  const byName = new Map([...readGroupIds(root)].map(([gid, name]) => [name, gid]));
  const gids = [account.gid, ...account.groups.map((g) => byName.get(g)).filter((g): g is number => g !== undefined)];
  return { name: account.name, uid: account.uid, gids: [...new Set(gids)] };
}

/** The "Test" answer for a folder the relay's own user will write; reads permissions only. Throws what stat throws (the caller words it). */
export async function checkFolderForRelay(folder: string, who: RelayIds, relayGroup: string, root = '/'): Promise<CheckResult> {
  const plan = await statChain(folder);
  const groups = readGroupIds(root);
  const users = new Map<number, string>([[who.uid, who.name]]);
  try {
    for (const line of readFileSync(path.join(root, 'etc/passwd'), 'utf8').split('\n')) {
      const [name, , uid] = line.split(':');
      if (name && uid && /^\d+$/.test(uid) && !users.has(Number(uid))) users.set(Number(uid), name);
    }
  } catch {
    // Numbers stand in for names.
  }
  const problem = relayFolderProblem(who, folder, plan, {
    user: (uid) => users.get(uid) ?? (uid === 0 ? 'root' : String(uid)),
    group: (gid) => groups.get(gid) ?? String(gid),
    relayGroup,
  });
  if (problem) return { ok: false, outcome: 'not_writable', message: problem };
  if (plan.exists) return { ok: true, outcome: 'ok', message: `the relay's user ${who.name} may write to the folder ${folder} (the hub checked its permissions; it wrote nothing)` };
  return { ok: true, outcome: 'ok', message: `the folder ${folder} does not exist yet: the relay's user ${who.name} will create it at its first upload` };
}

import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/*
 * The system account the services run as (made by systemd/install.sh through
 * systemd-sysusers). Read from a tree's own /etc/passwd and /etc/group, not through NSS,
 * so that tools given --root see the account of that tree, not of the machine they run on.
 */

export const SERVICE_USER = 'porchlight';

/** The cloud relay's own account, in SERVICE_USER's group: it must not read the hub's secret keys (docs/security.md). */
export const RELAY_USER = 'porchlight-relay';

export interface ServiceAccount {
  name: string;
  uid: number;
  gid: number;
  /** Names of every group it is in, its primary group first. */
  groups: string[];
}

interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

export function parseGroupFile(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const line of text.split('\n')) {
    const [name, , gid, members] = line.split(':');
    if (!name || gid === undefined || !/^\d+$/.test(gid)) continue;
    out.push({ name, gid: Number(gid), members: (members ?? '').split(',').filter(Boolean) });
  }
  return out;
}

/** The account `name` as described by passwd and group file contents; null when passwd lacks it. */
export function parseServiceAccount(passwd: string, group: string, name: string): ServiceAccount | null {
  const line = passwd.split('\n').find((l) => l.split(':')[0] === name);
  if (!line) return null;
  const [, , uid, gid] = line.split(':');
  if (!uid || !gid || !/^\d+$/.test(uid) || !/^\d+$/.test(gid)) return null;
  const groups = parseGroupFile(group);
  const primary = groups.find((g) => g.gid === Number(gid))?.name;
  const others = groups.filter((g) => g.members.includes(name) && g.name !== primary).map((g) => g.name);
  return { name, uid: Number(uid), gid: Number(gid), groups: [...(primary ? [primary] : []), ...others] };
}

/** Group name → gid, from the tree's /etc/group. */
export function readGroupIds(root = '/'): Map<number, string> {
  try {
    return new Map(parseGroupFile(readFileSync(path.join(root, 'etc/group'), 'utf8')).map((g) => [g.gid, g.name]));
  } catch {
    return new Map();
  }
}

export function readServiceAccount(root = '/', name = SERVICE_USER): ServiceAccount | null {
  let passwd: string;
  let group = '';
  try {
    passwd = readFileSync(path.join(root, 'etc/passwd'), 'utf8');
  } catch {
    return null;
  }
  try {
    group = readFileSync(path.join(root, 'etc/group'), 'utf8');
  } catch {
    // Without a group file the account still has its ids.
  }
  return parseServiceAccount(passwd, group, name);
}

import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import type { CameraHealth, DiskSpace, Versions } from '../common/api/system';
import type { DB } from '../common/database';
import { listDevices } from './devices';

/*
 * What the System page shows an owner or installer about the machine itself: the software
 * versions, how long the hub has run, the cameras' connections and the disk the clips live
 * on. Each probe degrades to null instead of failing the whole page: a missing ffmpeg or an
 * unreadable mount is something to show, not a 500.
 */

export type { CameraHealth, DiskSpace, Versions };

let ffmpegProbe: Promise<string | null> | null = null;

/** Asked once per process: the installed ffmpeg does not change under a running hub. */
export function ffmpegVersion(): Promise<string | null> {
  ffmpegProbe ??= new Promise((resolve) => {
    execFile(process.env.FFMPEG_PATH ?? 'ffmpeg', ['-hide_banner', '-version'], { timeout: 5000 }, (err, stdout) => {
      if (err) return resolve(null);
      resolve(/ffmpeg version (\S+)/.exec(stdout)?.[1] ?? null);
    });
  });
  return ffmpegProbe;
}

export async function versions(): Promise<Versions> {
  return { node: process.versions.node, ffmpeg: await ffmpegVersion(), os: `${os.type()} ${os.release()} ${os.arch()}` };
}

export async function diskSpace(dir: string): Promise<DiskSpace | null> {
  try {
    const s = await fs.statfs(dir);
    // bavail, not bfree: what an unprivileged hub can still write.
    return { path: dir, freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
  } catch {
    return null;
  }
}

/** Active cameras (revoked ones are history, not health), with whether each is connected now. */
export function cameraHealth(db: DB, isOnline: (id: string) => boolean): CameraHealth[] {
  return listDevices(db)
    .filter((d) => !d.revoked)
    .map((d) => ({ id: d.id, name: d.name, online: isOnline(d.id), lastSeenAt: d.lastSeenAt }));
}

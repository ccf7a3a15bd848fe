import { promises as fs } from 'node:fs';

/** Free bytes for an unprivileged writer on the filesystem that holds `dir`. */
export async function diskFreeBytes(dir: string): Promise<number> {
  const st = await fs.statfs(dir);
  return st.bavail * st.bsize;
}

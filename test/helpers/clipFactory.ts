import { randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { DB } from '../../common/database';
import { ClipEncryptor, type FootageKeyPair } from '../../common/clipEnvelope';
import { loadFootageKeyPair } from '../../common/footageKeys';
import { ClipStore } from '../../hub/clipStore';
import { hubPaths } from '../../common/dataLayout';
import { openHubState } from '../../hub/hub';
import { makeTestMp4 } from './media';

/**
 * A hub's clip store with one camera, filled with real encrypted clips through the same
 * ingest path a camera's upload takes — what the relay works on, without running a hub.
 */
export interface ClipHub {
  db: DB;
  dir: string;
  paths: ReturnType<typeof hubPaths>;
  keys: FootageKeyPair;
  store: ClipStore;
  deviceId: string;
  /** Plaintext of the clips: a real MP4 padded to `plainBytes`. */
  addClip(opts?: { startedAt?: number; plainBytes?: number }): Promise<{ clipId: string; plain: Buffer }>;
  close(): void;
}

export async function makeClipHub(dir: string): Promise<ClipHub> {
  const { db, paths } = await openHubState(dir);
  const keys = await loadFootageKeyPair(paths.footageKey);
  const store = new ClipStore(db, paths.clips, paths.tmp, keys, 512 * 1024 * 1024);
  await store.init();
  const deviceId = randomUUID();
  db.prepare('INSERT INTO devices (id, name, token_hash, created_at) VALUES (?, ?, ?, ?)').run(deviceId, 'porch', randomBytes(16).toString('hex'), Date.now());
  const mp4 = makeTestMp4(dir, 1);
  let next = Date.now() - 3600_000;
  return {
    db,
    dir,
    paths,
    keys,
    store,
    deviceId,
    async addClip(opts = {}) {
      const clipId = randomUUID();
      const startedAt = opts.startedAt ?? (next += 1000);
      const pad = Math.max(0, (opts.plainBytes ?? mp4.length) - mp4.length);
      const plain = Buffer.concat([mp4, randomBytes(pad)]);
      const enc = await ClipEncryptor.create({ publicKey: keys.publicKey }, { clipId, deviceId });
      const sealed = Buffer.concat([enc.header, ...enc.push(plain), enc.final()]);
      await store.ingest(deviceId, { clipId, startedAt, endedAt: startedAt + 5000, mediaStart: 0, mediaEnd: 5, trigger: 'motion' }, Readable.from([sealed]));
      return { clipId, plain };
    },
    close: () => db.close(),
  };
}

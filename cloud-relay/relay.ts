import { EventEmitter } from 'node:events';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Transform } from 'node:stream';
import type { RelayConfig } from '../common/config';
import type { DB } from '../common/database';
import { digestFile } from '../common/fileHash';
import { sealManifest } from '../common/clipManifest';
import type { Logger } from '../common/logger';
import { sharedBucket, throttle, type TokenBucket } from './bandwidth';
import { systemClock, type Clock } from '../common/clock';
import { HEARTBEAT_MS, writeRelayStatus, type RelayState } from '../common/cloud/cloudHealth';
import { runCloudRetention } from './retentionRunner';
import { ClipCopies } from '../common/retention/clipCopies';
import { UploadQueue, type QueueItem } from './uploadQueue';
import { backoffDelayMs } from '../common/backoff';
import { TargetConfigError, type UploadTarget } from '../common/cloud/uploadTarget';

export interface RelayDeps {
  db: DB;
  clipsDir: string;
  target: UploadTarget;
  /** The footage public key: manifests are sealed to it. The relay never holds the secret half. */
  publicKey: Uint8Array;
  clock: Clock;
  log: Logger;
  config: RelayConfig;
  /** The hub's sealed thumbnails: one goes with a clip the owner deleted. */
  thumbsDir?: string;
}

/** A failure of this clip's local file, not of the target: it must not mark the target offline. */
class LocalClipError extends Error {}

/**
 * Uploads the hub's encrypted clips, oldest first, and applies cloud retention. Local copies
 * are the hub's to delete (hub/localRetention.ts); the relay never removes a clip file.
 *
 * Offline handling: the first failed upload marks the target offline (logged once, shown by
 * the hub) and stops the pass. From then on a cheap probe runs every probeSeconds whatever
 * the clips' own backoff; when it answers, every clip is due again at once, so a long outage
 * drains as soon as the network is back instead of after the longest backoff. The state
 * turns online (logged once) on the first verified upload.
 */
export class Relay extends EventEmitter {
  readonly queue: UploadQueue;
  private readonly copies: ClipCopies;
  private state: RelayState = 'online';
  private since: number;
  private lastError: string | null = null;
  private lastUploadAt: number | null = null;
  private lastBeat = -Infinity;
  private reachable = true;
  private nextProbeAt = 0;
  private nextRetentionAt = 0;
  private nextDeletionAt = 0;
  private deletionFailing = false;
  private readonly abort = new AbortController();
  private loop: Promise<void> | null = null;
  /** One bucket for every upload: the cap holds across a backlog of small clips, manifests included. */
  private readonly bandwidth: TokenBucket | null;
  private stopped = false;
  private cleaned = false;
  uploaded = 0;

  constructor(private readonly deps: RelayDeps) {
    super();
    this.queue = new UploadQueue(deps.db);
    this.copies = new ClipCopies(deps.db);
    this.since = deps.clock.now();
    const rate = deps.config.bandwidthBytesPerSecond;
    // Real time even under a test clock: the cap is about the household's line.
    this.bandwidth = rate > 0 ? sharedBucket(rate, systemClock) : null;
  }

  get status(): { state: RelayState; since: number; lastError: string | null } {
    return { state: this.state, since: this.since, lastError: this.lastError };
  }

  /**
   * Checks the target once (logging a clear message if it is unusable) and starts the loop.
   * Nothing the target does can end the loop: a target that cannot even be opened (an
   * unreadable credentials file, an endpoint that is not an address) is the state
   * `misconfigured`, shown on the System page and retried every probeSeconds, so the relay
   * picks up the fix — from the System page or the file — without a restart.
   */
  start(): void {
    // Only a bug can reject this: the process's fault handler (common/processFaults.ts) then
    // logs it with its stack and exits, and systemd starts the relay again.
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    const { log, target, clock, config } = this.deps;
    log.info({ target: target.description, ...this.queue.counts() }, 'relay started');
    await this.probe();
    while (!this.stopped) {
      try {
        await this.pass();
      } catch (err) {
        log.error({ err: (err as Error).message }, 'relay pass failed');
      }
      await clock.sleep(config.pollSeconds * 1000, this.abort.signal);
    }
  }

  /** One round: probe if offline, upload what is due, retention when its time has come. */
  async pass(): Promise<void> {
    const now = this.deps.clock.now();
    if (!this.reachable && now >= this.nextProbeAt) await this.probe();
    if (this.reachable) await this.uploadDue();
    if (this.reachable) await this.removeDeleted();
    await this.retentionIfDue();
    this.beat();
  }

  /**
   * Clips the owner deleted: the cloud copy goes (manifest first, as retention does), then the
   * index rows. This runs in the same loop as the uploads, never beside one, so a clip deleted
   * while its upload was in flight is found here once that upload has finished, and removed.
   * A failure (offline, or credentials that may upload but not delete) waits probeSeconds and
   * tries again; it does not hold up uploads.
   */
  private async removeDeleted(): Promise<void> {
    const { target, log, clock, config } = this.deps;
    if (clock.now() < this.nextDeletionAt) return;
    for (const d of this.queue.deleted()) {
      if (this.stopped) return;
      try {
        if (!d.cloudGone && d.objectName) {
          await target.remove(`${d.objectName}.plm`);
          await target.remove(`${d.objectName}.plc`);
        }
      } catch (err) {
        this.nextDeletionAt = clock.now() + config.probeSeconds * 1000;
        if (!this.deletionFailing) log.warn({ clipId: d.clipId, err: (err as Error).message }, 'the cloud copy of a clip the owner deleted cannot be removed yet; trying again');
        this.deletionFailing = true;
        return;
      }
      this.deletionFailing = false;
      this.queue.forget(d.clipId);
      // The hub deletes it with the clip; this only catches one it left (one user, a hand-started
      // setup). Installed, the relay has its own user and thumbs/ is not its to touch: EACCES.
      if (this.deps.thumbsDir) await fs.rm(path.join(this.deps.thumbsDir, d.clipId), { force: true }).catch(() => undefined);
      log.info({ clipId: d.clipId }, 'a clip the owner deleted is gone from the cloud too');
      this.emit('deleted', d.clipId);
    }
  }

  /** Also called between uploads, so a long backlog does not hold off cloud retention. */
  private async retentionIfDue(): Promise<void> {
    const { clock, config } = this.deps;
    if (clock.now() < this.nextRetentionAt) return;
    this.nextRetentionAt = clock.now() + config.retention.checkSeconds * 1000;
    await runCloudRetention(this.deps, config.retention, clock.now(), this.reachable);
  }

  private async probe(): Promise<void> {
    const now = this.deps.clock.now();
    try {
      await this.deps.target.check();
      await this.cleanupOnce();
      this.reachable = true;
      this.queue.retryAllNow(now);
      if (this.queue.due(now, 1).length === 0) this.setState('online', null);
    } catch (err) {
      this.markUnreachable(err as Error);
    }
  }

  /**
   * What a crash of the last run left on the target (open multipart uploads) is cleared once,
   * when the target first answers: at start it may be unusable (misconfigured, offline), and
   * cleaning it then is neither possible nor a reason to stop.
   */
  private async cleanupOnce(): Promise<void> {
    if (this.cleaned) return;
    this.cleaned = true;
    await this.deps.target.cleanup().catch((err: Error) => this.deps.log.warn({ err: err.message }, 'leftovers of an interrupted upload could not be cleared; they are tried again at the next start'));
  }

  /** Uploads stop until a probe answers; the state says whether retrying can cure it. */
  private markUnreachable(err: Error): void {
    this.reachable = false;
    this.nextProbeAt = this.deps.clock.now() + this.deps.config.probeSeconds * 1000;
    this.setState(err instanceof TargetConfigError ? 'misconfigured' : 'offline', err.message);
  }

  private async uploadDue(): Promise<void> {
    for (;;) {
      const items = this.queue.due(this.deps.clock.now());
      if (items.length === 0) return;
      for (const item of items) {
        if (this.stopped) return;
        if (!(await this.uploadOne(item))) return;
        this.beat();
        await this.retentionIfDue();
      }
    }
  }

  /** Uploads one clip and its manifest; false when the target failed (the pass stops). */
  private async uploadOne(item: QueueItem): Promise<boolean> {
    const { clock, config, target, log } = this.deps;
    const file = path.join(this.deps.clipsDir, `${item.clipId}.plc`);
    try {
      const fields = this.queue.manifestFields(item.clipId);
      const digests = await digestFile(file, config.partSizeBytes).catch((err: Error) => {
        throw new LocalClipError(`cannot read the clip file: ${err.message}`);
      });
      if (!fields || digests.bytes !== fields.cipherBytes) throw new LocalClipError(`the clip file has ${digests.bytes} bytes, the index says ${fields?.cipherBytes ?? '?'}`);
      const bucket = this.bandwidth;
      const pace = bucket ? (): Transform => throttle(config.bandwidthBytesPerSecond, systemClock, bucket) : undefined;
      await target.putFile(`${item.objectName}.plc`, file, digests, pace);
      // The manifest goes up only once the clip is verified: a restore never finds a manifest
      // whose clip is missing or partial.
      const manifest = await sealManifest({ ...fields, objectName: item.objectName, sha256: digests.sha256 }, this.deps.publicKey);
      if (bucket) await systemClock.sleep(bucket.take(manifest.length, Date.now()));
      await target.putBytes(`${item.objectName}.plm`, manifest);
      const now = clock.now();
      this.queue.markUploaded(item.clipId, digests.sha256, now);
      this.uploaded += 1;
      this.lastUploadAt = now;
      log.info({ clipId: item.clipId, bytes: digests.bytes }, 'clip uploaded');
      if (this.state !== 'online') {
        this.setState('online', null);
      }
      this.emit('uploaded', item.clipId);
      return true;
    } catch (err) {
      const message = (err as Error).message;
      const delay = backoffDelayMs(item.attempts + 1, config.retryBaseSeconds * 1000, config.retryMaxSeconds * 1000);
      this.queue.markFailed(item.clipId, message, clock.now() + delay);
      // The owner deleted the clip (and the hub its file) while it was uploading: not the target's fault.
      if (this.queue.isDeleted(item.clipId)) return true;
      // The hub's retention deleted the file to keep its disk from filling (audited there as
      // clip.lost): nothing is left to upload, and due() will not offer the clip again.
      if (this.copies.isLocalGone(item.clipId)) {
        log.warn({ clipId: item.clipId }, "the hub deleted this clip's only copy while it was being uploaded (its disk was full); it is not uploaded");
        return true;
      }
      // A file that vanished is the hub's business, not the target's, whatever the error was.
      if (err instanceof LocalClipError || !existsSync(file)) {
        log.error({ clipId: item.clipId, err: message }, 'a stored clip cannot be uploaded; it stays on the hub');
        return true;
      }
      this.markUnreachable(err as Error);
      return false;
    }
  }

  private setState(state: RelayState, error: string | null): void {
    const { log, target, clock } = this.deps;
    const reasonChanged = error !== this.lastError;
    this.lastError = error;
    if (state === this.state && this.lastBeat > -Infinity) {
      // A half-done fix (the file is back, but its key is refused): the System page shows the
      // new reason now, not at the next heartbeat, and the log says it. Misconfigured reasons
      // are few and steady; an offline one (a reset, a timeout) may change on every probe and
      // waits for the heartbeat, sparing the SD card a write per probe.
      if (!reasonChanged || state !== 'misconfigured') return;
      log.error({ target: target.description, err: error }, 'the upload target still cannot be used, now for another reason');
      this.beat(true);
      return;
    }
    const was = this.state;
    this.state = state;
    this.since = clock.now();
    const pending = this.queue.counts().pending;
    if (state === 'online') {
      if (was !== 'online') log.info({ target: target.description, pending }, 'upload target reachable again; draining the backlog oldest first');
    } else if (state === 'misconfigured') {
      log.error({ target: target.description, err: error, pending }, 'the upload target cannot be used as configured: fix the cloud backup settings (System page, or relay.target and its credentials file); clips stay safe on the hub and upload once it is fixed, without a restart');
    } else {
      log.warn({ target: target.description, err: error, pending }, 'upload target offline; clips stay safe on the hub and upload when it is back');
    }
    this.beat(true);
    this.emit('state', state);
  }

  private beat(force = false): void {
    const now = this.deps.clock.now();
    if (!force && now - this.lastBeat < HEARTBEAT_MS) return;
    this.lastBeat = now;
    writeRelayStatus(this.deps.db, {
      state: this.state,
      since: this.since,
      target: this.deps.target.description,
      lastError: this.lastError,
      lastUploadAt: this.lastUploadAt,
      heartbeatAt: now,
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    await this.loop;
  }
}

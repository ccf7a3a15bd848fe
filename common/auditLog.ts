import type { AuditEntry } from './api/users';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync, constants as fsConstants } from 'node:fs';
import * as path from 'node:path';
import type { DB } from './database';

/*
 * Append-only, hash-chained audit log.
 *
 * Every row of `audit_log` (migration 2) carries `hash = SHA-256(canonical(prev_hash, seq,
 * at, actor, action, target, ip, detail))` and the previous row's hash as `prev_hash`; the
 * first row's prev_hash is 64 zeros. Triggers refuse UPDATE and DELETE, so the hub itself
 * can only append. Someone holding the database file can drop the triggers, so
 * `verifyAuditLog` re-walks the chain: an edited row breaks its own hash, a deleted row
 * leaves a gap in `seq`, a rewritten row breaks the link to the next one.
 *
 * A chain alone cannot reveal that its newest entries were deleted, so after each append
 * the head `{seq, hash}` is also written to a small JSON file outside the database
 * (`<dataDir>/audit-head.json`). The head is written after the database commit, so a
 * crash between the two, or two processes (hub and CLI) appending at the same moment, can
 * leave the head a few entries BEHIND the database; never ahead. The head is therefore a
 * lower bound: verification requires that the database holds the head's seq with the
 * head's hash, and that everything after it chains correctly, and accepts a database
 * that is ahead of the head.
 *
 * Limits: the chain is unkeyed, so this detects tampering by someone who can write the
 * database but not the head file (a copied or restored database, a stray sqlite3 session,
 * a bug); someone who can rewrite both files can recompute everything.
 *
 * SECRETS: `detail` (and target/actor/ip) must never contain secrets. Callers pass only
 * non-secret fields: never passwords (not even wrong ones), TOTP codes or secrets,
 * recovery codes, session ids, device or pairing tokens, email codes, keys. Log that a
 * thing happened and to whom, not the credential used.
 */

export type { AuditEntry };

export interface AuditEvent {
  /** `user:alice`, `device:<uuid>`, `cli`, `system`, `ip:1.2.3.4`. */
  actor: string;
  /** Dotted name: `auth.login`, `auth.login_failed`, `device.paired`, `clip.viewed`, … */
  action: string;
  target?: string | null;
  ip?: string | null;
  /** Non-secret fields only (see above). Capped at DETAIL_MAX_BYTES of JSON. */
  detail?: Record<string, unknown>;
}

export type AuditVerifyResult = { ok: true; entries: number; lastSeq: number } | { ok: false; seq: number | null; problem: string };

export const GENESIS_HASH = '0'.repeat(64);
/** Largest stored `detail` JSON; longer details are replaced by a truncated preview. */
export const DETAIL_MAX_BYTES = 4096;
/** Longest stored actor, target or ip; these can carry attacker input (a tried username). */
const FIELD_MAX_CHARS = 256;
const ACTION_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/;
const LIST_DEFAULT = 50;
const LIST_MAX = 1000;

interface AuditRow {
  seq: number;
  at: number;
  actor: string;
  action: string;
  target: string | null;
  ip: string | null;
  detail: string | null;
  prev_hash: string;
  hash: string;
}

/**
 * The hash of one entry. JSON of an array keeps field boundaries unambiguous; `detail`
 * is hashed as the exact JSON text stored, so key order never matters.
 */
function entryHash(prevHash: string, r: Omit<AuditRow, 'prev_hash' | 'hash'>): string {
  const canonical = JSON.stringify([prevHash, r.seq, r.at, r.actor, r.action, r.target, r.ip, r.detail]);
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

function clampField(value: string | null | undefined): string | null {
  if (value === undefined || value === null) return null;
  return value.length > FIELD_MAX_CHARS ? `${value.slice(0, FIELD_MAX_CHARS)}…[truncated]` : value;
}

/** JSON of `detail`, at most DETAIL_MAX_BYTES; too long becomes `{_truncated, _originalBytes, _preview}`. */
function encodeDetail(detail: Record<string, unknown> | undefined): string | null {
  if (detail === undefined) return null;
  const json = JSON.stringify(detail);
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes <= DETAIL_MAX_BYTES) return json;
  const marked = (n: number) => JSON.stringify({ _truncated: true, _originalBytes: bytes, _preview: json.slice(0, n) });
  // Escaping can grow the preview (quotes become \"), so search the longest prefix that fits.
  let lo = 0;
  let hi = Math.min(json.length, DETAIL_MAX_BYTES);
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (Buffer.byteLength(marked(mid), 'utf8') <= DETAIL_MAX_BYTES) lo = mid;
    else hi = mid - 1;
  }
  return marked(lo);
}

function decodeDetail(text: string | null): Record<string, unknown> | null {
  if (text === null) return null;
  try {
    const value = JSON.parse(text) as unknown;
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : { _value: value };
  } catch {
    return { _unparseable: text };
  }
}

function toEntry(r: AuditRow): AuditEntry {
  return { seq: r.seq, at: r.at, actor: r.actor, action: r.action, target: r.target, ip: r.ip, detail: decodeDetail(r.detail), hash: r.hash };
}

interface AuditHead {
  seq: number;
  hash: string;
}

function parseHead(text: string): AuditHead | null {
  try {
    const v = JSON.parse(text) as { seq?: unknown; hash?: unknown };
    if (Number.isSafeInteger(v.seq) && (v.seq as number) >= 0 && typeof v.hash === 'string' && /^[0-9a-f]{64}$/.test(v.hash)) {
      return { seq: v.seq as number, hash: v.hash };
    }
  } catch {
    // fall through
  }
  return null;
}

type HeadRead = { state: 'missing' } | { state: 'invalid' } | { state: 'ok'; head: AuditHead };

function readHead(file: string): HeadRead {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'missing' };
    throw err;
  }
  const head = parseHead(text);
  return head ? { state: 'ok', head } : { state: 'invalid' };
}

/** Synchronous atomic write: temp file, fsync, rename, fsync the directory. */
function writeFileAtomicSync(finalPath: string, data: string, mode = 0o600): void {
  const dir = path.dirname(finalPath);
  const tmp = path.join(dir, `.${path.basename(finalPath)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', mode);
  try {
    const buf = Buffer.from(data, 'utf8');
    let offset = 0;
    while (offset < buf.length) offset += writeSync(fd, buf, offset, buf.length - offset);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  try {
    renameSync(tmp, finalPath);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  const dirFd = openSync(dir, fsConstants.O_RDONLY);
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}

export class AuditLog {
  private readonly lastStmt;
  private readonly insertStmt;
  private readonly appendTx;

  constructor(
    private readonly db: DB,
    private readonly headFile: string,
  ) {
    this.lastStmt = db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
    this.insertStmt = db.prepare(
      'INSERT INTO audit_log (seq, at, actor, action, target, ip, detail, prev_hash, hash) VALUES (@seq, @at, @actor, @action, @target, @ip, @detail, @prev_hash, @hash)',
    );
    this.appendTx = db.transaction((fields: Omit<AuditRow, 'seq' | 'prev_hash' | 'hash'>): AuditRow => {
      const last = this.lastStmt.get() as { seq: number; hash: string } | undefined;
      const seq = last ? last.seq + 1 : 1;
      const prevHash = last ? last.hash : GENESIS_HASH;
      const row: AuditRow = { ...fields, seq, prev_hash: prevHash, hash: entryHash(prevHash, { ...fields, seq }) };
      this.insertStmt.run(row);
      return row;
    });
  }

  /**
   * Appends one entry and returns it. `detail` must hold only non-secret fields (see the
   * top of this file); it is capped at DETAIL_MAX_BYTES. Throws if the head file cannot be
   * written; the entry itself is committed by then, and the stale head is tolerated.
   */
  append(e: AuditEvent, now = Date.now()): AuditEntry {
    if (typeof e.actor !== 'string' || e.actor.length === 0) throw new Error('audit: actor must be a non-empty string');
    if (!ACTION_PATTERN.test(e.action)) throw new Error(`audit: action "${e.action}" is not a dotted lower-case name`);
    if (!Number.isSafeInteger(now)) throw new Error('audit: time must be an integer number of milliseconds');
    // IMMEDIATE: take the write lock before reading the last row, so two appenders (hub
    // and CLI) can never both chain onto the same predecessor.
    const row = this.appendTx.immediate({
      at: now,
      actor: clampField(e.actor)!,
      action: e.action,
      target: clampField(e.target),
      ip: clampField(e.ip),
      detail: encodeDetail(e.detail),
    });
    // After the commit (see the top of this file: the head may lag, never lead).
    this.writeHead({ seq: row.seq, hash: row.hash });
    return toEntry(row);
  }

  /** Newest first. */
  list(opts: { limit?: number; beforeSeq?: number; action?: string } = {}): AuditEntry[] {
    const wanted = opts.limit !== undefined && Number.isFinite(opts.limit) ? Math.floor(opts.limit) : LIST_DEFAULT;
    const limit = Math.max(1, Math.min(LIST_MAX, wanted));
    const where: string[] = [];
    const params: Record<string, unknown> = { limit };
    if (opts.beforeSeq !== undefined) {
      where.push('seq < @beforeSeq');
      params.beforeSeq = opts.beforeSeq;
    }
    if (opts.action !== undefined) {
      where.push('action = @action');
      params.action = opts.action;
    }
    const sql = `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT @limit`;
    return (this.db.prepare(sql).all(params) as AuditRow[]).map(toEntry);
  }

  private writeHead(head: AuditHead): void {
    // Never move the head backwards: another process may already have written a newer one
    // between our commit and now. (A race between this read and the write can still leave
    // it one entry behind, which verification accepts.)
    const current = readHead(this.headFile);
    if (current.state === 'ok' && current.head.seq > head.seq) return;
    writeFileAtomicSync(this.headFile, JSON.stringify(head));
  }
}

/**
 * Walks the whole chain in seq order (streamed, so a big log is not loaded into memory)
 * and checks it against the head file. Returns the first problem found.
 */
export function verifyAuditLog(db: DB, headFile: string): AuditVerifyResult {
  // Read the head BEFORE the database: the head is written after each commit, so every
  // database snapshot taken after this read contains at least the head's entry even if
  // someone appends meanwhile.
  const headRead = readHead(headFile);
  if (headRead.state === 'invalid') return { ok: false, seq: null, problem: `the audit head file ${headFile} is not valid` };
  const head = headRead.state === 'ok' ? headRead.head : null;

  // One read transaction: a consistent snapshot while hub or CLI keep appending.
  const walk = db.transaction((): AuditVerifyResult => {
    let expectedSeq = 1;
    let prevHash = GENESIS_HASH;
    let entries = 0;
    const rows = db.prepare('SELECT seq, at, actor, action, target, ip, detail, prev_hash, hash FROM audit_log ORDER BY seq').iterate() as IterableIterator<AuditRow>;
    for (const r of rows) {
      if (r.seq !== expectedSeq) {
        if (r.seq < expectedSeq) return { ok: false, seq: r.seq, problem: `unexpected sequence number #${r.seq} (expected #${expectedSeq})` };
        const missing = r.seq - 1 === expectedSeq ? `entry #${expectedSeq} is` : `entries #${expectedSeq}–#${r.seq - 1} are`;
        const where = expectedSeq === 1 ? `the log starts at #${r.seq}` : `the log jumps from #${expectedSeq - 1} to #${r.seq}`;
        return { ok: false, seq: expectedSeq, problem: `${missing} missing (deleted): ${where}` };
      }
      if (r.prev_hash !== prevHash) {
        return {
          ok: false,
          seq: r.seq,
          problem:
            r.seq === 1
              ? 'the first entry does not start the chain (its previous hash is not all zeros)'
              : `its previous hash does not match entry #${r.seq - 1}: an earlier entry was rewritten`,
        };
      }
      if (entryHash(r.prev_hash, r) !== r.hash) {
        return { ok: false, seq: r.seq, problem: 'its contents do not match its hash: the entry was edited' };
      }
      if (head && r.seq === head.seq && r.hash !== head.hash) {
        return { ok: false, seq: r.seq, problem: `its hash differs from the audit head file: the entry was rewritten` };
      }
      prevHash = r.hash;
      expectedSeq++;
      entries++;
    }
    const lastSeq = expectedSeq - 1;
    if (!head) {
      if (entries > 0) {
        return { ok: false, seq: null, problem: `the audit head file ${headFile} is missing but the log has ${entries} entries` };
      }
      return { ok: true, entries: 0, lastSeq: 0 };
    }
    if (head.seq > lastSeq) {
      const missing = head.seq === lastSeq + 1 ? `entry #${head.seq} is` : `entries #${lastSeq + 1}–#${head.seq} are`;
      return {
        ok: false,
        seq: lastSeq + 1,
        problem: `${missing} missing: the log ends at #${lastSeq} but the audit head file says #${head.seq} (newest entries deleted)`,
      };
    }
    if (head.seq === 0 && head.hash !== GENESIS_HASH) {
      return { ok: false, seq: null, problem: 'the audit head file names entry #0 with a non-zero hash' };
    }
    // head.seq < lastSeq is fine: the head lags after a crash between commit and head write.
    return { ok: true, entries, lastSeq };
  });
  return walk();
}

import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { writeFileAtomic } from '../common/atomicFile';
import type { SpoolDropReport } from '../common/api/spoolDrops';
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/*
 * What the camera owes the hub after an outage: since when its clips could not be
 * delivered, and what the spool budget made it drop meanwhile. Kept on disk, so a camera
 * that reboots during a long outage still reports the whole of it; sent once clips go
 * through again (docs/cameras.md, "The camera's own disk").
 *
 * The transitions are pure functions of (state, event, time); the file is written only
 * when the state changes.
 */

/** Why the hub could not take clips: out of reach, or its own disk refused them (507). */
export type OutageReason = SpoolDropReport['reason'];

export type OutageState = Omit<SpoolDropReport, 'until'> & { until: number | null };

const Ms = Type.Integer({ minimum: 0 });
const OutageStateSchema = Type.Object({
  reportId: Type.String({ pattern: '^[0-9a-f-]{36}$' }),
  since: Ms,
  until: Type.Union([Ms, Type.Null()]),
  droppedClips: Type.Integer({ minimum: 0 }),
  droppedBytes: Ms,
  reason: Type.Union([Type.Literal('unreachable'), Type.Literal('hub-full')]),
});

/** A delivery failed: the outage starts now unless one is already open. */
export function noteFailure(state: OutageState | null, now: number, reason: OutageReason, newId: () => string = randomUUID): OutageState {
  if (!state) return { reportId: newId(), since: now, until: null, droppedClips: 0, droppedBytes: 0, reason };
  // A new failure after a reconnect that was not reported yet extends the same report.
  return { ...state, until: null, reason };
}

/** The budget dropped clips; with no outage open (the hub is slow, not gone) it counts from now. */
export function noteDrops(state: OutageState | null, clips: number, bytes: number, now: number, newId: () => string = randomUUID): OutageState {
  const base = state ?? { reportId: newId(), since: now, until: null, droppedClips: 0, droppedBytes: 0, reason: 'unreachable' as const };
  return { ...base, droppedClips: base.droppedClips + clips, droppedBytes: base.droppedBytes + bytes };
}

/**
 * A clip went through. Returns the state to keep (null: nothing left to tell) and the
 * report to send, if clips were dropped.
 */
export function noteSuccess(state: OutageState | null, now: number): { state: OutageState | null; report: SpoolDropReport | null } {
  if (!state) return { state: null, report: null };
  if (state.droppedClips === 0) return { state: null, report: null };
  const until = state.until ?? now;
  return { state: { ...state, until }, report: { ...state, until } };
}

/**
 * The hub acknowledged `report`. Drops counted while it was on its way stay, as a new report
 * that starts where the acknowledged one ended.
 */
export function afterReport(state: OutageState | null, report: SpoolDropReport, newId: () => string = randomUUID): OutageState | null {
  if (!state) return null;
  if (state.reportId !== report.reportId) return state;
  const clips = state.droppedClips - report.droppedClips;
  if (clips <= 0) return state.until === null ? { ...state, reportId: newId(), since: report.until, droppedClips: 0, droppedBytes: 0 } : null;
  return { ...state, reportId: newId(), since: report.until, droppedClips: clips, droppedBytes: Math.max(0, state.droppedBytes - report.droppedBytes) };
}

/** The outage ledger file: one small JSON, replaced atomically. */
export class OutageLedger {
  private state: OutageState | null = null;

  constructor(readonly file: string) {}

  /** Reads the file; one that is unreadable or malformed is dropped (and said so by the caller). */
  async load(): Promise<{ ok: true } | { ok: false; problem: string }> {
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ok: true };
      return { ok: false, problem: (err as Error).message };
    }
    try {
      const parsed = JSON.parse(text) as unknown;
      if (!Value.Check(OutageStateSchema, parsed)) return this.forget('not an outage record');
      this.state = parsed;
      return { ok: true };
    } catch {
      return this.forget('not JSON');
    }
  }

  private async forget(problem: string): Promise<{ ok: false; problem: string }> {
    await fs.rm(this.file, { force: true });
    return { ok: false, problem };
  }

  get current(): OutageState | null {
    return this.state;
  }

  async set(next: OutageState | null): Promise<void> {
    if (JSON.stringify(next) === JSON.stringify(this.state)) return;
    this.state = next;
    if (next) await writeFileAtomic(this.file, JSON.stringify(next), 0o600);
    else await fs.rm(this.file, { force: true });
  }
}

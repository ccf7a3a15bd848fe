/*
 * When a camera sends the hub a picture for its object detector. Pictures are only worth
 * something while motion lasts: the first goes right at motion start (the freshest picture
 * taken at or after the start, so it shows what moved, not the empty scene before), then one
 * every interval while motion lasts, never two at once (a slow hub gets fewer, never a queue),
 * never the same picture twice, and none when motion ends, in privacy mode or with the
 * camera's motion switched off. Pure: detectionUploads.ts does the waiting and the sending.
 */

export interface ScheduleState {
  /** The motion start the pictures belong to (its `at`, wall-clock ms); null: no motion, or none may be sent. */
  eventAt: number | null;
  /** Frame time (wall-clock ms) of the newest picture decoded; null: none yet. */
  newestFrameAt: number | null;
  /** An upload is on its way. */
  inFlight: boolean;
  /** For this event: when the last upload started (ms, the agent's clock) and the frame it carried; null: none sent yet. */
  last: { sentAt: number; frameAt: number } | null;
  intervalMs: number;
}

export type ScheduleDecision =
  /** Nothing to do until motion starts. */
  | { action: 'idle' }
  /** Send the newest picture now. */
  | { action: 'send' }
  /** Ask again when the upload in flight ends. */
  | { action: 'waitUpload' }
  /** Ask again when the next picture is decoded. */
  | { action: 'waitPicture' }
  /** Ask again at `at` (the agent's clock). */
  | { action: 'waitUntil'; at: number };

export function nextUpload(s: ScheduleState, now: number): ScheduleDecision {
  if (!(s.intervalMs > 0) || !Number.isFinite(s.intervalMs)) throw new RangeError(`the upload interval must be a positive number of ms, got ${s.intervalMs}`);
  if (s.eventAt === null) return { action: 'idle' };
  if (s.inFlight) return { action: 'waitUpload' };
  if (s.last === null) {
    // A picture from before motion started shows the scene without what moved.
    return s.newestFrameAt !== null && s.newestFrameAt >= s.eventAt ? { action: 'send' } : { action: 'waitPicture' };
  }
  const due = s.last.sentAt + s.intervalMs;
  if (now < due) return { action: 'waitUntil', at: due };
  return s.newestFrameAt !== null && s.newestFrameAt > s.last.frameAt ? { action: 'send' } : { action: 'waitPicture' };
}

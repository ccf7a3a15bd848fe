/*
 * When a camera streams live: only while someone watches. The hub asks the camera to start
 * when the first viewer arrives (and again every few seconds until video comes, in case the
 * request was lost or the camera's channel reconnected), tells it to stop shortly after the
 * last viewer leaves, and cuts a stream that keeps coming with nobody watching. A short grace
 * after the last viewer lets a reload or a switch back to the page reuse the running stream.
 * Pure: the service feeds it the state and the time and carries out what it returns.
 */

export interface LiveTiming {
  /** Ask the camera again this often while viewers wait for video. */
  askEveryMs: number;
  /** Viewers who got no video for this long are told the camera did not start. */
  startTimeoutMs: number;
  /** A stream that sent nothing for this long is cut (the camera is asked again). */
  stallMs: number;
  /** After the last viewer left: tell the camera to stop. */
  stopGraceMs: number;
  /** With no viewer for this long, the stream is cut whatever the camera does. */
  idleCutMs: number;
}

export const LIVE_TIMING: LiveTiming = { askEveryMs: 2000, startTimeoutMs: 15_000, stallMs: 10_000, stopGraceMs: 2000, idleCutMs: 10_000 };

export interface LiveState {
  viewers: number;
  /** The camera's upload is open. */
  streaming: boolean;
  /** The camera has a channel open (it can be asked). */
  online: boolean;
  /** The arming allows live view (false in privacy mode). */
  allowed: boolean;
  /** Since when viewers have been waiting with no video (null: not waiting). */
  waitingSince: number | null;
  /** When the camera was last asked to start (null: not since the last stop). */
  askedAt: number | null;
  /** When the open stream last delivered bytes (or opened). */
  lastDataAt: number | null;
  /** Since when there has been no viewer while streaming (null: someone watches). */
  idleSince: number | null;
  /** The camera was told to stop and has not been asked to start since. */
  stopSent: boolean;
}

export type LiveAction =
  /** Push "start" to the camera. */
  | 'ask'
  /** Push "stop" to the camera. */
  | 'tell-stop'
  /** End the camera's upload from the hub's side. */
  | 'cut'
  /** Refuse the waiting viewers: privacy mode. */
  | 'refuse-privacy'
  /** Refuse the waiting viewers: the camera is offline. */
  | 'refuse-offline'
  /** Refuse the waiting viewers: no video came. */
  | 'refuse-timeout'
  /** Nothing is left to keep: drop the camera's state. */
  | 'forget';

export function liveUpkeep(s: LiveState, now: number, t: LiveTiming = LIVE_TIMING): LiveAction[] {
  if (!s.allowed) {
    const out: LiveAction[] = [];
    if (s.viewers > 0) out.push('refuse-privacy');
    if (s.streaming) out.push('tell-stop', 'cut');
    return out.length ? out : ['forget'];
  }
  if (s.viewers === 0) {
    if (!s.streaming) return ['forget'];
    const idle = now - (s.idleSince ?? now);
    if (idle >= t.idleCutMs) return ['tell-stop', 'cut'];
    if (idle >= t.stopGraceMs && !s.stopSent) return ['tell-stop'];
    return [];
  }
  if (s.streaming) {
    if (s.lastDataAt !== null && now - s.lastDataAt >= t.stallMs) return ['cut'];
    return [];
  }
  if (!s.online) return ['refuse-offline'];
  if (s.waitingSince !== null && now - s.waitingSince >= t.startTimeoutMs) return ['refuse-timeout'];
  if (s.askedAt === null || now - s.askedAt >= t.askEveryMs) return ['ask'];
  return [];
}

/*
 * Each camera state in the words the household reads, with the fix (one source for the UI,
 * the owner's notices and docs/cameras.md). No imports: the web UI bundles this file.
 */

export type CameraStateName = 'connecting' | 'streaming' | 'stalled' | 'reconnecting' | 'unreachable' | 'unauthorized' | 'unsupported';

/** Each state in words, and what the household can do about it (empty when nothing). */
export const CAMERA_STATE_WORDS: Record<CameraStateName, { label: string; fix: string }> = {
  connecting: { label: 'Connecting', fix: '' },
  streaming: { label: 'Streaming', fix: '' },
  stalled: { label: 'Stalled', fix: 'The camera stopped sending video; the agent is restarting the connection.' },
  reconnecting: { label: 'Reconnecting', fix: 'The video stopped; the agent is connecting to the camera again.' },
  unreachable: {
    label: 'Unreachable',
    fix: 'The agent cannot reach the camera: check that it has power and network, and that the address in the agent’s source setting is right.',
  },
  unauthorized: {
    label: 'Unauthorized',
    fix: 'The camera refused the user name or password in the credentials file: correct them there (the agent tries again every few minutes).',
  },
  unsupported: {
    label: 'Unsupported',
    fix: 'The camera sends video the agent cannot read: set the camera (or its sub-stream) to H.264, or correct the source setting.',
  },
};

/** One line for a person: "Unauthorized — the camera refused …". */
export function cameraStateSentence(state: CameraStateName): string {
  const w = CAMERA_STATE_WORDS[state];
  return w.fix ? `${w.label} — ${w.fix.charAt(0).toLowerCase()}${w.fix.slice(1)}` : w.label;
}

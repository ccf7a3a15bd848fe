/*
 * The home's arming modes. One list, so the API's validation, the rule editor and the
 * decision all agree on the spelling; 'privacy' is a mode rather than a flag because it has to
 * win over every other input (see hub/arming/armingDecision.ts), and a flag beside the mode
 * would let the two disagree. No imports: the web UI's bundle takes these values.
 */

export const MODES = ['disarmed', 'armed_home', 'armed_away', 'privacy'] as const;

export type Mode = (typeof MODES)[number];

// Modes arrive from JSON bodies and settings files, so the guard takes anything.
export function isMode(v: unknown): v is Mode {
  return typeof v === 'string' && (MODES as readonly string[]).includes(v);
}

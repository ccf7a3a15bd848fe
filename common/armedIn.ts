/*
 * In which of the armed modes a camera records (its "armed in" set): a camera inside the house
 * usually records only when everyone is away, one at the door in both. Disarmed and privacy
 * are not in the list because no camera records in them, whatever it is armed in. One place
 * says what a valid set is, so the API, the CLI and Home Assistant refuse the same things with
 * the same words. No imports but a type: the web UI's bundle takes these values.
 */

import type { Mode } from './modes';

export const ARMABLE_MODES = ['armed_home', 'armed_away'] as const;
export type ArmableMode = (typeof ARMABLE_MODES)[number];

/** What a new camera is armed in: both, so pairing a camera never leaves it silently unarmed. */
export const DEFAULT_ARMED_IN: readonly ArmableMode[] = ARMABLE_MODES;

export function isArmableMode(v: unknown): v is ArmableMode {
  return typeof v === 'string' && (ARMABLE_MODES as readonly string[]).includes(v);
}

/** The set in one order (home, then away), duplicates dropped, so equal sets are stored and compared alike. */
export function canonicalArmedIn(modes: readonly ArmableMode[]): ArmableMode[] {
  return ARMABLE_MODES.filter((m) => modes.includes(m));
}

/** A set from a request: the canonical set, or the sentence that says what is wrong with it. */
export function checkArmedIn(modes: readonly unknown[]): { modes: ArmableMode[] } | { problem: string } {
  for (const m of modes) {
    if (!isArmableMode(m)) {
      const shown = typeof m === 'string' ? `"${m.slice(0, 40)}"` : JSON.stringify(m)?.slice(0, 40) ?? String(m);
      return { problem: `${shown} is not a mode a camera can be armed in; use armed_home, armed_away, both or none` };
    }
  }
  return { modes: canonicalArmedIn(modes as ArmableMode[]) };
}

/** The set with one mode turned on or off (a Home Assistant switch, a checkbox). */
export function withArmedIn(modes: readonly ArmableMode[], mode: ArmableMode, on: boolean): ArmableMode[] {
  return canonicalArmedIn(on ? [...modes, mode] : modes.filter((m) => m !== mode));
}

const WORDS: Record<string, ArmableMode> = { home: 'armed_home', away: 'armed_away', armed_home: 'armed_home', armed_away: 'armed_away' };

/**
 * The command line's spelling: "home", "away", "home,away" (the armed_ names work too), or
 * "none" for a camera that records in neither.
 */
export function parseArmedInWords(text: string): { modes: ArmableMode[] } | { problem: string } {
  const words = text.split(',').map((w) => w.trim().toLowerCase());
  if (words.length === 1 && words[0] === 'none') return { modes: [] };
  const modes: ArmableMode[] = [];
  for (const w of words) {
    const mode = WORDS[w];
    if (!mode) return { problem: `"${w.slice(0, 40)}" is not a mode a camera can be armed in; use home, away, home,away or none` };
    modes.push(mode);
  }
  return { modes: canonicalArmedIn(modes) };
}

/** Words for people: "Home and Away", "Away", "neither". */
export function describeArmedIn(modes: readonly Mode[]): string {
  const names = ARMABLE_MODES.filter((m) => modes.includes(m)).map((m) => (m === 'armed_home' ? 'Home' : 'Away'));
  return names.length === 0 ? 'neither' : names.join(' and ');
}

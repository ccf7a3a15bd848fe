/*
 * Geofence: whether each member is home, and whether the household as a whole is. Pure (the
 * clock comes in as an argument) so the edge cases — a GPS fix that wanders around the
 * boundary, a phone that stopped reporting — are table-testable.
 *
 * Rules:
 *  1. A fix whose reported accuracy is worse than maxAccuracyM (or is not a finite number ≥ 0)
 *     is ignored: the previous presence stands, and the fix does not count as the last fix.
 *  2. Let margin = distance − accuracy, the closest the member can be given the fix. home when
 *     margin < radiusM; away when margin > radiusM + hysteresisM. The accuracy is subtracted in
 *     both directions on purpose: a vague fix can bring someone home but not send them away.
 *  3. Between those bounds the previous presence is kept, so a fix wandering ±30 m around the
 *     radius never flaps. A member whose previous presence was unknown has nothing to keep:
 *     there, away if distance > radiusM, else home. In that band margin ≥ radiusM, so in
 *     practice this is away: even the kindest reading of the fix is outside the radius.
 *  4. A member whose last usable fix is older than staleAfterMs is unknown, not away: a phone
 *     that went quiet says nothing about where its owner is, and treating it as away would let
 *     one dead battery arm the house around someone.
 *  5. The household is someone-home if any member is home; all-away only when every member is
 *     away, so one unknown member prevents arming; otherwise, and with no members, unknown.
 */

import type { Household, Presence } from '../../common/api/arming';

export interface LatLon {
  lat: number;
  lon: number;
}

export interface GeofenceSettings {
  home: LatLon;
  radiusM: number; // default 100
  hysteresisM: number; // default 50
  maxAccuracyM: number; // default 200
  staleAfterMs: number; // default 30 min
}

export const GEOFENCE_DEFAULTS: Omit<GeofenceSettings, 'home'> = {
  radiusM: 100,
  hysteresisM: 50,
  maxAccuracyM: 200,
  staleAfterMs: 30 * 60_000,
};

export interface Fix {
  lat: number;
  lon: number;
  accuracyM: number; // the phone's reported horizontal accuracy, metres
  at: number; // ms since epoch
}

export type { Household, Presence };

// The IUGG mean Earth radius; the spherical error (≤ 0.5 %) is far below GPS noise at 100 m.
const EARTH_RADIUS_M = 6_371_008.8;
const RAD = Math.PI / 180;

/** Great-circle (haversine) distance in metres. */
export function distanceM(a: LatLon, b: LatLon): number {
  const dLat = (b.lat - a.lat) * RAD;
  const dLon = (b.lon - a.lon) * RAD;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * RAD) * Math.cos(b.lat * RAD) * Math.sin(dLon / 2) ** 2;
  // min() because rounding can push h a hair above 1 for antipodal points, and asin(>1) is NaN.
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * Whether a fix is good enough to use (rule 1). The caller records lastFixAt only for these,
 * so a stream of vague fixes still lets the member go stale.
 */
export function isUsableFix(fix: Fix, s: GeofenceSettings): boolean {
  // Written so that NaN fails: a NaN accuracy would otherwise make margin NaN and every bound false.
  return Number.isFinite(fix.accuracyM) && fix.accuracyM >= 0 && fix.accuracyM <= s.maxAccuracyM && Number.isFinite(fix.lat) && Number.isFinite(fix.lon);
}

/** New presence of one member from a new fix and the previous presence (rules 1–3). */
export function presenceAfterFix(previous: Presence, fix: Fix, s: GeofenceSettings): Presence {
  if (!isUsableFix(fix, s)) return previous;
  const distance = distanceM(s.home, fix);
  const margin = distance - fix.accuracyM;
  if (margin < s.radiusM) return 'home';
  if (margin > s.radiusM + s.hysteresisM) return 'away';
  if (previous !== 'unknown') return previous;
  return distance > s.radiusM ? 'away' : 'home';
}

/** Presence now (rule 4): 'unknown' without a usable fix or when the last one is older than staleAfterMs. */
export function presenceNow(p: { presence: Presence; lastFixAt: number | null }, s: GeofenceSettings, now: number): Presence {
  if (p.lastFixAt === null || now - p.lastFixAt > s.staleAfterMs) return 'unknown';
  return p.presence;
}

/** The household from its members' presences (rule 5); pass only members with geofencing on. */
export function household(presences: readonly Presence[]): Household {
  if (presences.includes('home')) return 'someone-home';
  if (presences.length > 0 && presences.every((p) => p === 'away')) return 'all-away';
  return 'unknown';
}

import { strict as assert } from 'node:assert';
import { distanceM, GEOFENCE_DEFAULTS, household, presenceAfterFix, presenceNow, type Fix, type GeofenceSettings, type Household, type Presence } from '../../../hub/arming/geofence';

const MIN = 60_000;
const NOW = Date.UTC(2024, 5, 5, 12);
const HOME = { lat: 52.516275, lon: 13.377704 }; // Brandenburg Gate
const S: GeofenceSettings = { home: HOME, ...GEOFENCE_DEFAULTS };

// Metres along a meridian are exact under the haversine, so a fix `d` metres north of home is
// at distance d (to ~1e-9 m; rows keep clear of the exact bounds anyway).
const METRES_PER_DEGREE = (6_371_008.8 * Math.PI) / 180;
const north = (d: number, accuracyM: number, at = NOW): Fix => ({ lat: HOME.lat + d / METRES_PER_DEGREE, lon: HOME.lon, accuracyM, at });

interface FixCase {
  name: string;
  previous: Presence;
  fix: Fix;
  settings?: Partial<GeofenceSettings>;
  expected: Presence;
}

const fixCases: FixCase[] = [
  { name: 'inside, precise: away → home', previous: 'away', fix: north(20, 10), expected: 'home' },
  { name: 'inside, from unknown', previous: 'unknown', fix: north(20, 10), expected: 'home' },
  { name: 'far outside: home → away', previous: 'home', fix: north(500, 10), expected: 'away' },
  { name: 'far outside, from unknown', previous: 'unknown', fix: north(500, 10), expected: 'away' },
  { name: 'inside stays home', previous: 'home', fix: north(50, 5), expected: 'home' },
  { name: 'outside stays away', previous: 'away', fix: north(900, 30), expected: 'away' },
  { name: 'the accuracy can bring someone home: 180 m ± 90 m is inside', previous: 'away', fix: north(180, 90), expected: 'home' },
  { name: 'accuracy exactly at the bound is used', previous: 'away', fix: north(250, 200), expected: 'home' },
  { name: 'an inaccurate fix far away is ignored: home kept', previous: 'home', fix: north(2000, 250), expected: 'home' },
  { name: 'an inaccurate fix at the door is ignored: away kept', previous: 'away', fix: north(0, 300), expected: 'away' },
  { name: 'an inaccurate fix is ignored: unknown kept', previous: 'unknown', fix: north(0, 201), expected: 'unknown' },
  { name: 'a NaN accuracy is ignored', previous: 'home', fix: north(5000, NaN), expected: 'home' },
  { name: 'a negative accuracy is ignored', previous: 'away', fix: north(20, -5), expected: 'away' },
  { name: 'a stricter accuracy bound from the settings', previous: 'away', fix: north(20, 60), settings: { maxAccuracyM: 50 }, expected: 'away' },
  { name: 'just past the radius is not leaving: home kept', previous: 'home', fix: north(120, 0), expected: 'home' },
  { name: 'leaving needs radius + hysteresis: 150 m is not enough', previous: 'home', fix: north(150, 0), expected: 'home' },
  { name: 'leaving needs radius + hysteresis: 151 m is', previous: 'home', fix: north(151, 0), expected: 'away' },
  { name: 'the accuracy counts against leaving: 170 m ± 30 m keeps home', previous: 'home', fix: north(170, 30), expected: 'home' },
  { name: 'in the band, away is kept too', previous: 'away', fix: north(130, 5), expected: 'away' },
  { name: 'in the band from unknown: outside the radius → away', previous: 'unknown', fix: north(130, 10), expected: 'away' },
  { name: 'a larger radius from the settings', previous: 'away', fix: north(250, 10), settings: { radiusM: 300 }, expected: 'home' },
  { name: 'no hysteresis: leaving right past the radius', previous: 'home', fix: north(105, 0), settings: { hysteresisM: 0 }, expected: 'away' },
];

interface NowCase {
  name: string;
  presence: Presence;
  lastFixAt: number | null;
  expected: Presence;
}

const nowCases: NowCase[] = [
  { name: 'a fresh home', presence: 'home', lastFixAt: NOW - 5 * MIN, expected: 'home' },
  { name: 'a fresh away', presence: 'away', lastFixAt: NOW - 29 * MIN, expected: 'away' },
  { name: 'exactly 30 minutes old is still fresh', presence: 'away', lastFixAt: NOW - 30 * MIN, expected: 'away' },
  { name: 'a millisecond older is stale: away → unknown, not away', presence: 'away', lastFixAt: NOW - 30 * MIN - 1, expected: 'unknown' },
  { name: 'a stale home is unknown too', presence: 'home', lastFixAt: NOW - 3 * 60 * MIN, expected: 'unknown' },
  { name: 'never a usable fix', presence: 'home', lastFixAt: null, expected: 'unknown' },
  { name: 'a fix stamped slightly ahead of the clock is fresh', presence: 'home', lastFixAt: NOW + 2000, expected: 'home' },
];

const householdCases: Array<{ presences: Presence[]; expected: Household }> = [
  { presences: [], expected: 'unknown' },
  { presences: ['home'], expected: 'someone-home' },
  { presences: ['away'], expected: 'all-away' },
  { presences: ['unknown'], expected: 'unknown' },
  { presences: ['away', 'away', 'away'], expected: 'all-away' },
  { presences: ['away', 'home', 'away'], expected: 'someone-home' },
  { presences: ['away', 'unknown'], expected: 'unknown' },
  { presences: ['unknown', 'home'], expected: 'someone-home' },
  { presences: ['unknown', 'unknown', 'away'], expected: 'unknown' },
  { presences: ['home', 'home'], expected: 'someone-home' },
];

describe('arming geofence: presence after a fix', () => {
  for (const c of fixCases) {
    it(c.name, () => {
      assert.equal(presenceAfterFix(c.previous, c.fix, { ...S, ...c.settings }), c.expected);
    });
  }

  // ±30 m around the 100 m radius, with typical 5–15 m accuracy: margins from about 55 m to
  // 125 m, all inside radius + hysteresis.
  const wandering = Array.from({ length: 200 }, (_, i) => north(100 + 30 * Math.sin(i * 1.7), 5 + (i % 3) * 5, NOW + i * 10_000));

  it('jitter at the edge never flaps: someone home stays home through 200 wandering fixes', () => {
    let p: Presence = 'home';
    for (const fix of wandering) {
      p = presenceAfterFix(p, fix, S);
      assert.equal(p, 'home');
    }
  });

  it('jitter at the edge changes an away member at most once (arriving), never back', () => {
    let p: Presence = 'away';
    const seen: Presence[] = [p];
    for (const fix of wandering) {
      p = presenceAfterFix(p, fix, S);
      if (seen.at(-1) !== p) seen.push(p);
    }
    assert.deepEqual(seen, ['away', 'home']);
  });

  it('without the hysteresis margin the same fixes would flap (why the margin exists)', () => {
    let p: Presence = 'home';
    let changes = 0;
    for (const fix of wandering) {
      const next = presenceAfterFix(p, fix, { ...S, hysteresisM: 0 });
      if (next !== p) changes++;
      p = next;
    }
    assert.ok(changes > 10, `only ${changes} changes`);
  });
});

describe('arming geofence: presence now (stale fixes)', () => {
  for (const c of nowCases) {
    it(c.name, () => {
      assert.equal(presenceNow({ presence: c.presence, lastFixAt: c.lastFixAt }, S, NOW), c.expected);
    });
  }
  it('the stale bound comes from the settings', () => {
    assert.equal(presenceNow({ presence: 'away', lastFixAt: NOW - 10 * MIN }, { ...S, staleAfterMs: 5 * MIN }, NOW), 'unknown');
  });
});

describe('arming geofence: household', () => {
  for (const c of householdCases) {
    it(`[${c.presences.join(', ')}] → ${c.expected}`, () => {
      assert.equal(household(c.presences), c.expected);
    });
  }
});

describe('arming geofence: distance', () => {
  // Commonly quoted great-circle distances between the city centres, to within 0.5 %.
  for (const [name, a, b, km] of [
    ['Berlin – Paris', { lat: 52.52, lon: 13.405 }, { lat: 48.8566, lon: 2.3522 }, 878],
    ['London – New York', { lat: 51.5074, lon: -0.1278 }, { lat: 40.7128, lon: -74.006 }, 5570],
    ['Tokyo – Sydney', { lat: 35.6762, lon: 139.6503 }, { lat: -33.8688, lon: 151.2093 }, 7826],
  ] as const) {
    it(name, () => {
      const d = distanceM(a, b) / 1000;
      assert.ok(Math.abs(d - km) / km < 0.005, `${d.toFixed(1)} km`);
      assert.equal(distanceM(a, b), distanceM(b, a));
    });
  }
  it('zero to itself, half the circumference to the antipode', () => {
    assert.equal(distanceM(HOME, HOME), 0);
    assert.ok(Math.abs(distanceM({ lat: 0, lon: 0 }, { lat: 0, lon: 180 }) - Math.PI * 6_371_008.8) < 1e-6);
  });
  it('a degree of longitude shrinks with latitude: 100 m east of home is ~0.00148°', () => {
    const east = { lat: HOME.lat, lon: HOME.lon + 0.00148 };
    assert.ok(Math.abs(distanceM(HOME, east) - 100) < 0.5, String(distanceM(HOME, east)));
  });
});

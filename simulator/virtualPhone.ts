import { request } from 'node:https';

/*
 * A virtual phone for developers: it walks a scripted route in and out of the home's
 * geofence and reports like the OwnTracks app does (HTTP mode, Basic authentication), with
 * GPS noise — so geofencing can be tried and tested without leaving the desk.
 */

export interface LatLon {
  lat: number;
  lon: number;
}

/** A route: where the phone is, leg by leg; `metres` north of home (negative: south). */
export interface Route {
  name: string;
  legs: Array<{ minutes: number; toMetresNorth: number }>;
  /** Reported accuracy, and how far a fix may wander from the true position. */
  accuracyM: number;
  jitterM: number;
}

export const ROUTES: Record<string, Route> = {
  // Home for 2 minutes, 1.5 km away in 10, 10 minutes out, back in 10.
  errand: { name: 'errand', legs: [{ minutes: 2, toMetresNorth: 0 }, { minutes: 10, toMetresNorth: 1500 }, { minutes: 10, toMetresNorth: 1500 }, { minutes: 10, toMetresNorth: 0 }], accuracyM: 15, jitterM: 10 },
  // Walks from home to the fence's edge and hovers there: GPS noise must not make the house flap.
  'edge-of-fence': { name: 'edge-of-fence', legs: [{ minutes: 2, toMetresNorth: 110 }, { minutes: 20, toMetresNorth: 110 }], accuracyM: 10, jitterM: 30 },
};

const M_PER_DEG_LAT = 111_320;

/** Checks a route from a scenario file; throws naming the problem. */
export function checkRoute(r: unknown): Route {
  const v = r as Partial<Route>;
  if (typeof v !== 'object' || v === null) throw new Error('a route must be an object');
  if (typeof v.name !== 'string' || !v.name) throw new Error('a route needs a name');
  if (!Array.isArray(v.legs) || v.legs.length === 0) throw new Error(`route "${v.name}": it needs at least one leg`);
  for (const [i, leg] of v.legs.entries()) {
    if (!(typeof leg?.minutes === 'number' && leg.minutes > 0 && leg.minutes <= 24 * 60)) throw new Error(`route "${v.name}", leg ${i + 1}: minutes must be between 0 and 1440`);
    if (!(typeof leg.toMetresNorth === 'number' && Math.abs(leg.toMetresNorth) <= 100_000)) throw new Error(`route "${v.name}", leg ${i + 1}: toMetresNorth must be within 100 km`);
  }
  for (const k of ['accuracyM', 'jitterM'] as const) {
    if (!(typeof v[k] === 'number' && v[k] >= 0 && v[k] <= 5000)) throw new Error(`route "${v.name}": ${k} must be between 0 and 5000 metres`);
  }
  return v as Route;
}

export function routeMinutes(route: Route): number {
  return route.legs.reduce((s, l) => s + l.minutes, 0);
}

/** Metres north of home at `minute` into the route (linear along each leg). */
export function metresNorthAt(route: Route, minute: number): number {
  let from = 0;
  let t = 0;
  for (const leg of route.legs) {
    if (minute <= t + leg.minutes) return from + ((leg.toMetresNorth - from) * Math.max(0, minute - t)) / leg.minutes;
    t += leg.minutes;
    from = leg.toMetresNorth;
  }
  return from;
}

/** A deterministic noise source, so a scenario replays the same fixes. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x100000000;
  };
}

/** The fix the phone reports at `minute`: true position plus noise within jitterM. */
export function fixAt(route: Route, home: LatLon, minute: number, random: () => number): { lat: number; lon: number; acc: number } {
  const north = metresNorthAt(route, minute) + (random() * 2 - 1) * route.jitterM;
  const east = (random() * 2 - 1) * route.jitterM;
  return {
    lat: home.lat + north / M_PER_DEG_LAT,
    lon: home.lon + east / (M_PER_DEG_LAT * Math.cos((home.lat * Math.PI) / 180)),
    acc: route.accuracyM,
  };
}

/** Sends one OwnTracks location message; resolves with the HTTP status. */
export function postOwnTracks(url: string, creds: { username: string; password: string }, message: Record<string, unknown>, ca?: string): Promise<number> {
  const body = Buffer.from(JSON.stringify(message));
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': body.length,
          authorization: `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`,
          'x-limit-u': creds.username,
          'x-limit-d': 'virtual-phone',
        },
        // The hub's own CA when given; a test hub's self-made certificate otherwise.
        ...(ca ? { ca } : { rejectUnauthorized: false }),
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * `porchlight sim phone`: walks the route in real time sped up `speed` times, reporting a fix
 * every `everySeconds` of route time; `say` gets one line per report.
 */
export async function walkRoute(opts: {
  url: string;
  creds: { username: string; password: string };
  route: Route;
  home: LatLon;
  speed: number;
  everySeconds: number;
  ca?: string;
  say: (line: string) => void;
}): Promise<void> {
  const random = seededRandom(Date.now());
  const total = routeMinutes(opts.route);
  for (let minute = 0; minute <= total; minute += opts.everySeconds / 60) {
    const fix = fixAt(opts.route, opts.home, minute, random);
    const status = await postOwnTracks(opts.url, opts.creds, { _type: 'location', ...fix, tst: Math.floor(Date.now() / 1000), topic: `owntracks/${opts.creds.username}/virtual-phone` }, opts.ca);
    const north = Math.round(metresNorthAt(opts.route, minute));
    opts.say(`${minute.toFixed(1).padStart(5)} min  ${north} m from home  → hub answered ${status}`);
    if (status !== 200) throw new Error(`the hub refused the report (HTTP ${status}): check the user name and token`);
    await sleep(((opts.everySeconds * 1000) / opts.speed) | 0);
  }
}

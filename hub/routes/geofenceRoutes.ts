import type { FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { said } from '../../common/api/words';
import { hashToken, newToken } from '../../common/tokens';
import { HttpError } from '../httpError';
import { type HubServices, type RouteDef, route, actorOf, userOf } from '../routeTable';
import { MAY_KNOW } from '../disclosure';
import {
  GeofenceMembershipBody,
  GeofenceMembershipSchema,
  GeofenceStateSchema,
  LocationAnswerSchema,
  LocationBody,
  OwnTracksCredentialsSchema,
} from '../../common/api/arming';
import { presenceNow } from '../arming/geofence';
import { checkFix, LocationError, reportPresence } from '../arming/locationReports';

/*
 * Geofencing: who is home (presence only — positions never leave the hub), joining and
 * leaving, the browser's "share my location", and an OwnTracks-compatible endpoint
 * authenticated per member with HTTP Basic (user name + a token made for that phone).
 */

/** OwnTracks sends many message types with many fields; only these are read. */
const OwnTracksBody = Type.Object(
  {
    _type: Type.String({ ...said('the OwnTracks message type'), maxLength: 32 }),
    lat: Type.Optional(Type.Unknown(said('the latitude'))),
    lon: Type.Optional(Type.Unknown(said('the longitude'))),
    acc: Type.Optional(Type.Unknown()),
    tst: Type.Optional(Type.Unknown()),
    event: Type.Optional(Type.Unknown()),
    topic: Type.Optional(Type.Unknown()),
  },
  { additionalProperties: true },
);

function asHttp(err: unknown): never {
  if (err instanceof LocationError) throw new HttpError(err.statusCode, err.code, err.message);
  throw err;
}

export function geofenceRoutes(svc: HubServices): RouteDef[] {
  // Who is home is the household's alone (disclosure.ts).
  const knowsPresence = { kind: 'user', roles: MAY_KNOW.presence } as const;
  const household = { kind: 'user', roles: ['owner', 'member'] } as const;
  const db = svc.db;

  /** The member an OwnTracks request is from; 401 (with the Basic challenge the app expects) otherwise. */
  const ownTracksUser = (req: FastifyRequest): { id: number; username: string } => {
    const header = req.headers.authorization ?? '';
    const m = /^Basic ([A-Za-z0-9+/=]{4,512})$/.exec(header);
    const unauthorized = () => new HttpError(401, 'BAD_CREDENTIALS', 'OwnTracks must send the user name and token made for it in the hub (Basic authentication)', {}, { 'www-authenticate': 'Basic realm="porchlight"' });
    if (!m) throw unauthorized();
    const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 1) throw unauthorized();
    const row = db
      .prepare('SELECT u.id, u.username FROM geofence_members g JOIN users u ON u.id = g.user_id WHERE u.username = ? AND g.owntracks_token_hash = ?')
      .get(decoded.slice(0, colon), hashToken(decoded.slice(colon + 1))) as { id: number; username: string } | undefined;
    if (!row) throw unauthorized();
    return row;
  };

  return [
    route({
      method: 'GET',
      url: '/api/geofence',
      access: knowsPresence,
      summary: "Who is home: each geofencing member's presence (never a position) and the household's",
      schema: { response: { 200: GeofenceStateSchema } },
      handler: async () => {
        const store = svc.arming.store;
        const settings = store.settings();
        const geofence = store.geofenceSettings(settings);
        const now = svc.now();
        return {
          enabled: settings.geofenceEnabled,
          household: store.household(),
          members: store.members().map((m) => ({
            username: m.username,
            enabled: m.enabled,
            presence: geofence && m.enabled ? presenceNow({ presence: m.presence, lastFixAt: m.fixAt }, geofence, now) : 'unknown',
            lastReportAt: m.fixAt,
          })),
        };
      },
    }),
    route({
      method: 'PUT',
      url: '/api/me/geofence',
      access: household,
      summary: 'Take part in geofencing (or stop: your last position is deleted)',
      schema: { body: GeofenceMembershipBody, response: { 200: GeofenceMembershipSchema } },
      handler: async (req) => {
        const user = userOf(req);
        const { enabled } = req.body;
        if (enabled) {
          db.prepare('INSERT INTO geofence_members (user_id, enabled) VALUES (?, 1) ON CONFLICT (user_id) DO UPDATE SET enabled = 1').run(user.id);
        } else {
          db.prepare("UPDATE geofence_members SET enabled = 0, presence = 'unknown', lat = NULL, lon = NULL, accuracy_m = NULL, fix_at = NULL, owntracks_token_hash = NULL WHERE user_id = ?").run(user.id);
        }
        svc.audit.append({ actor: actorOf(req), action: 'geofence.membership', ip: req.ip, detail: { enabled } }, svc.now());
        return { enabled };
      },
    }),
    route({
      method: 'POST',
      url: '/api/me/geofence/owntracks',
      access: household,
      summary: 'Make the credentials for your OwnTracks app (HTTP mode) and take part in geofencing; new ones replace the old',
      schema: { response: { 200: OwnTracksCredentialsSchema } },
      handler: async (req) => {
        const user = userOf(req);
        const token = newToken();
        // Asking for a phone's credentials is taking part: it turns geofencing on for this account.
        db.prepare('INSERT INTO geofence_members (user_id, enabled, owntracks_token_hash) VALUES (?, 1, ?) ON CONFLICT (user_id) DO UPDATE SET enabled = 1, owntracks_token_hash = excluded.owntracks_token_hash').run(user.id, hashToken(token));
        svc.audit.append({ actor: actorOf(req), action: 'geofence.owntracks_token', ip: req.ip }, svc.now());
        return { url: new URL('/api/owntracks', svc.runtime().url || 'https://localhost/').toString(), username: user.username, password: token };
      },
    }),
    route({
      method: 'POST',
      url: '/api/me/location',
      access: household,
      summary: "Share where you are now (the browser's Geolocation API): latitude, longitude, accuracy in metres",
      schema: { body: LocationBody, response: { 200: LocationAnswerSchema } },
      handler: async (req) => {
        const body = req.body;
        const now = svc.now();
        try {
          const fix = checkFix({ lat: body.lat, lon: body.lon, accuracyM: body.accuracy, at: body.at ?? now }, now);
          return { presence: reportPresence(db, svc.arming, userOf(req), { fix }, now) };
        } catch (err) {
          asHttp(err);
        }
      },
    }),
    route({
      method: 'POST',
      url: '/api/owntracks',
      access: { kind: 'public' },
      summary: 'OwnTracks HTTP mode: location and transition (enter/leave) messages of one member',
      rateLimit: 'device',
      schema: { body: OwnTracksBody },
      handler: async (req) => {
        const user = ownTracksUser(req);
        const body = req.body;
        // The app names its user in a header and in the topic; they must be the signed-in member.
        const claimed = [req.headers['x-limit-u'], typeof body.topic === 'string' ? body.topic.split('/')[1] : undefined].filter((v): v is string => typeof v === 'string');
        if (claimed.some((u) => u !== user.username)) throw new HttpError(403, 'NOT_YOURS', `these credentials belong to ${user.username}; a member can only report their own location`);
        const now = svc.now();
        const at = typeof body.tst === 'number' ? body.tst * 1000 : NaN;
        try {
          if (body._type === 'location') {
            const fix = checkFix({ lat: body.lat, lon: body.lon, accuracyM: body.acc, at }, now);
            reportPresence(db, svc.arming, user, { fix }, now);
          } else if (body._type === 'transition') {
            if (body.event !== 'enter' && body.event !== 'leave') throw new LocationError(400, 'BAD_EVENT', 'a transition must have event "enter" or "leave"');
            if (!Number.isFinite(at) || at > now + 5 * 60_000) throw new LocationError(400, 'BAD_TIME', 'the transition has no valid time (tst)');
            reportPresence(db, svc.arming, user, { presence: body.event === 'enter' ? 'home' : 'away', at }, now);
          }
          // Other message types (waypoints, cards, lwt…) are accepted and ignored, so the app does not retry them.
        } catch (err) {
          asHttp(err);
        }
        return [];
      },
    }),
  ];
}

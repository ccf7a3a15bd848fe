import { randomUUID } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { said } from '../../common/api/words';
import { HttpError } from '../httpError';
import { type HubServices, type RouteDef, route, actorOf, userOf } from '../routeTable';
import { MAY_KNOW } from '../disclosure';
import { isMode, MODES } from '../../common/protocol';
import { isValidTimeZone, validateRule } from '../arming/schedule';
import { checkArmedIn } from '../../common/armedIn';
import {
  ArmingDecisionSchema,
  ArmingEventsQuery,
  ArmingEventsSchema,
  ArmingSettingsBody,
  ArmingSettingsSchema,
  ArmedInBody,
  ModeBody,
  MotionBody,
  RuleAddedSchema,
  RuleBody,
  RulesSchema,
  type ArmingEvent,
  type ArmingSettings,
} from '../../common/api/arming';

/*
 * Arming from the web UI: the home's mode (owners and members), each camera's motion switch,
 * the weekly rules and the arming settings (owners). Values are checked here with messages a
 * homeowner can act on; nothing is stored when a request is refused.
 */

const Strict = { additionalProperties: false } as const;
const IdParams = Type.Object({ id: Type.String({ ...said('the id'), minLength: 1, maxLength: 64 }) }, Strict);
const Ok = Type.Object({ ok: Type.Boolean() });

function refuse(code: string, message: string): never {
  throw new HttpError(400, code, message);
}

/** Each bound with the sentence that says why a value is refused. */
function checkSettings(s: ArmingSettings): void {
  if (!isValidTimeZone(s.timeZone)) refuse('BAD_TIME_ZONE', `"${s.timeZone}" is not a time zone; use a name like Europe/Berlin or America/New_York`);
  if (s.home && (!(s.home.lat >= -90 && s.home.lat <= 90) || !(s.home.lon >= -180 && s.home.lon <= 180))) {
    refuse('BAD_LOCATION', 'the home location must have a latitude between -90 and 90 and a longitude between -180 and 180');
  }
  const within = (v: number, lo: number, hi: number, name: string, unit: string) => {
    if (!(v >= lo && v <= hi)) refuse('BAD_GEOFENCE', `${name} must be between ${lo} and ${hi} ${unit}`);
  };
  within(s.radiusM, 25, 10_000, 'the radius', 'metres');
  within(s.hysteresisM, 0, 1000, 'the leaving margin', 'metres');
  within(s.maxAccuracyM, 10, 5000, 'the worst accepted accuracy', 'metres');
  within(s.staleAfterMinutes, 1, 1440, 'the time after which a phone counts as unknown', 'minutes');
  if (s.geofenceEnabled && !s.home) refuse('NO_HOME_LOCATION', 'set the home location before turning geofencing on');
}

export function armingRoutes(svc: HubServices): RouteDef[] {
  // What the home's arming is, why, and its rules are the household's (disclosure.ts): not a viewer's, not the installer's.
  const knowsArming = { kind: 'user', roles: MAY_KNOW.arming } as const;
  const knowsSchedules = { kind: 'user', roles: MAY_KNOW.schedules } as const;
  // The home's location and geofence settings are presence information.
  const knowsPresence = { kind: 'user', roles: MAY_KNOW.presence } as const;
  const household = { kind: 'user', roles: ['owner', 'member'] } as const;
  const owner = { kind: 'user', roles: ['owner'] } as const;
  const store = svc.arming.store;
  const activeCamera = (id: string) => {
    if (!store.cameras().some((c) => c.id === id)) throw new HttpError(404, 'NO_SUCH_CAMERA', 'no such camera');
  };

  return [
    route({
      method: 'GET',
      url: '/api/arming',
      access: knowsArming,
      summary: 'The mode in force, who or what set it, the next scheduled change, and what each camera does',
      schema: { response: { 200: ArmingDecisionSchema } },
      handler: async () => svc.arming.evaluate(),
    }),
    route({
      method: 'GET',
      url: '/api/arming/events',
      access: knowsArming,
      summary: 'The arming timeline, newest first: each change of mode with who or what caused it',
      schema: { querystring: ArmingEventsQuery, response: { 200: ArmingEventsSchema } },
      handler: async (req) => {
        const q = req.query;
        const rows = svc.db
          .prepare('SELECT at, mode, cause FROM arming_events WHERE at < ? ORDER BY at DESC, id DESC LIMIT ?')
          .all(q.before ?? Number.MAX_SAFE_INTEGER, q.limit ?? 100) as Array<{ at: number; mode: ArmingEvent['mode']; cause: string }>;
        return { events: rows.map((r) => ({ at: r.at, mode: r.mode, cause: JSON.parse(r.cause) as ArmingEvent['cause'] })) };
      },
    }),
    route({
      method: 'PUT',
      url: '/api/arming/mode',
      access: household,
      summary: 'Set the home to disarmed, armed_home, armed_away or privacy (holds until the next scheduled change; privacy until changed by hand)',
      schema: { body: ModeBody, response: { 200: ArmingDecisionSchema } },
      handler: async (req) => {
        const { mode } = req.body;
        if (!isMode(mode)) refuse('UNKNOWN_MODE', `"${mode}" is not a mode; use one of ${MODES.join(', ')}`);
        return svc.arming.setMode(mode, `user:${userOf(req).username}`, req.ip);
      },
    }),
    route({
      method: 'PUT',
      url: '/api/cameras/:id/motion',
      access: household,
      summary: "Turn a camera's motion recording on or off",
      schema: { params: IdParams, body: MotionBody, response: { 200: ArmingDecisionSchema } },
      handler: async (req) => {
        const { id } = req.params;
        activeCamera(id);
        return svc.arming.setCameraMotion(id, req.body.on, actorOf(req), req.ip);
      },
    }),
    route({
      method: 'PUT',
      url: '/api/cameras/:id/armed-in',
      access: household,
      summary: 'Choose in which armed modes a camera records: armed_home, armed_away, both or none',
      schema: { params: IdParams, body: ArmedInBody, response: { 200: ArmingDecisionSchema } },
      handler: async (req) => {
        const { id } = req.params;
        const checked = checkArmedIn(req.body.modes);
        if ('problem' in checked) refuse('BAD_ARMED_IN', checked.problem);
        activeCamera(id);
        return svc.arming.setCameraArmedIn(id, checked.modes, actorOf(req), req.ip);
      },
    }),
    route({
      method: 'GET',
      url: '/api/arming/rules',
      access: knowsSchedules,
      summary: 'The weekly rules, for the home and per camera',
      schema: { response: { 200: RulesSchema } },
      handler: async () => store.rules(),
    }),
    route({
      method: 'POST',
      url: '/api/arming/rules',
      access: owner,
      summary: 'Add a weekly rule: days (0 = Sunday), a time in 15-minute steps, and a mode (or a camera and motion on/off)',
      schema: { body: RuleBody, response: { 201: RuleAddedSchema } },
      handler: async (req, reply) => {
        const body = req.body;
        const id = randomUUID();
        const problem = validateRule({ id, ...body });
        // The id was made up just now and means nothing to the person adding the rule.
        if (problem) refuse('BAD_RULE', problem.replace(/^Rule "[^"]*": /, '').replace(/^it /, 'a rule ').replace(/\.$/, ''));
        if (body.cameraId !== undefined) activeCamera(body.cameraId);
        svc.db
          .prepare('INSERT INTO schedule_rules (id, camera_id, days, at, mode, motion, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
          .run(id, body.cameraId ?? null, JSON.stringify([...new Set(body.days)].sort()), body.at, body.cameraId ? null : body.mode, body.cameraId ? (body.motion ? 1 : 0) : null, svc.now());
        svc.audit.append({ actor: actorOf(req), action: 'arming.rule_added', target: `rule:${id}`, ip: req.ip, detail: { ...body } }, svc.now());
        svc.arming.evaluate();
        return reply.code(201).send({ id });
      },
    }),
    route({
      method: 'DELETE',
      url: '/api/arming/rules/:id',
      access: owner,
      summary: 'Delete a weekly rule',
      schema: { params: IdParams, response: { 200: Ok } },
      handler: async (req) => {
        const { id } = req.params;
        if (svc.db.prepare('DELETE FROM schedule_rules WHERE id = ?').run(id).changes === 0) throw new HttpError(404, 'NO_SUCH_RULE', 'no such rule');
        svc.audit.append({ actor: actorOf(req), action: 'arming.rule_deleted', target: `rule:${id}`, ip: req.ip }, svc.now());
        svc.arming.evaluate();
        return { ok: true };
      },
    }),
    route({
      method: 'GET',
      url: '/api/arming/settings',
      access: knowsPresence,
      summary: "The home's time zone and geofence settings",
      schema: { response: { 200: ArmingSettingsSchema } },
      handler: async () => store.settings(),
    }),
    route({
      method: 'PUT',
      url: '/api/arming/settings',
      access: owner,
      summary: "Change the home's time zone, location, radius and geofencing choices",
      schema: { body: ArmingSettingsBody, response: { 200: ArmingSettingsSchema } },
      handler: async (req) => {
        const next: ArmingSettings = { ...store.settings(), ...req.body };
        checkSettings(next);
        store.saveSettings(next);
        if (!next.geofenceEnabled) {
          // Off means the hub keeps no position of anyone, and the household's presence is forgotten.
          svc.db.prepare("UPDATE geofence_members SET presence = 'unknown', lat = NULL, lon = NULL, accuracy_m = NULL, fix_at = NULL").run();
          store.setHousehold({ household: 'unknown', since: svc.now(), member: null });
        }
        svc.audit.append({ actor: actorOf(req), action: 'arming.settings_changed', ip: req.ip, detail: { timeZone: next.timeZone, geofenceEnabled: next.geofenceEnabled, radiusM: next.radiusM } }, svc.now());
        svc.arming.evaluate();
        return next;
      },
    }),
  ];
}

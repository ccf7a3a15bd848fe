import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { Type, type TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { addTestUser, JSON_HEADERS, PASSWORDS, signIn, startTestHub, type SignedIn, type TestHub } from '../helpers/hub';
import { call } from '../helpers/https';
import { useTempDir } from '../helpers/tmp';
import { fieldName, requestErrorMessage } from '../../hub/requestErrors';
import { said } from '../../common/api/words';

/*
 * A request the route's schema refuses is answered in words a homeowner understands: the
 * field, named as the page names it, and what is wrong with it. The answer is a lower-case
 * clause (the UI adds the capital and the full stop), never a JSON pointer or the schema
 * library's "Expected string".
 */

/** What no answer may contain: the validator's own vocabulary. */
const JARGON = /invalid request|Expected|must match|schema|(^|\s)\/\w/;

function messageFor(schema: TSchema, value: unknown, part = 'body'): string {
  const checker = TypeCompiler.Compile(schema);
  assert.equal(checker.Check(value), false, `${JSON.stringify(value)} should be refused`);
  return requestErrorMessage(checker.Errors(value).First(), part, schema);
}

describe('hub: request-shape errors in plain words', function () {
  describe('the wording', () => {
    const Strict = { additionalProperties: false } as const;
    const Settings = Type.Object(
      {
        radiusM: Type.Optional(Type.Number(said('the radius'))),
        home: Type.Optional(Type.Union([Type.Null(), Type.Object({ lat: Type.Number(said('the latitude')), lon: Type.Number(said('the longitude')) }, Strict)], said('the home location'))),
        days: Type.Optional(Type.Array(Type.Integer(), { ...said('the days'), maxItems: 7 })),
        limit: Type.Optional(Type.Integer({ ...said('the number of entries asked for'), minimum: 1, maximum: 1000 })),
        zones: Type.Optional(Type.Array(Type.Array(Type.Array(Type.Number())), said('the zones'))),
      },
      Strict,
    );
    const Login = Type.Object(
      { username: Type.String({ ...said('the user name'), minLength: 1, maxLength: 64 }), password: Type.String({ ...said('the password'), minLength: 1, maxLength: 256 }) },
      Strict,
    );
    const Pair = Type.Object({ code: Type.String({ ...said('the code'), pattern: '^[0-9]{8}$' }), name: Type.String({ ...said('the name'), minLength: 1, maxLength: 64 }) }, Strict);
    const Target = Type.Object({ type: Type.Union([Type.Literal('directory'), Type.Literal('s3'), Type.Literal('config')], said('the kind of backup')) }, Strict);
    const Hook = Type.Object({ url: Type.String(said('the web address')), events: Type.Array(Type.String(), { ...said('the events'), minItems: 1, maxItems: 10 }) }, Strict);

    const cases: Array<[string, TSchema, unknown, string, string?]> = [
      ['a number sent as text', Settings, { radiusM: 'far' }, 'the radius must be a number'],
      ['a missing field', Login, { password: 'x' }, 'the user name is missing'],
      ['an empty field', Login, { username: '', password: 'x' }, 'the user name is empty: fill it in'],
      ['a field too long', Login, { username: 'u'.repeat(65), password: 'x' }, 'the user name is too long: it may be at most 64 characters'],
      ['a field nobody asked for', Login, { username: 'u', password: 'p', colour: 'red' }, 'the hub does not take "colour" here: reload the page and try again'],
      ['a choice outside its list', Target, { type: 'ftp' }, 'the kind of backup must be "directory", "s3" or "config"'],
      ['a field of a nested group', Settings, { home: { lat: 52.5, lon: 'east' } }, 'the longitude of the home location must be a number'],
      ['a missing part of a nested group', Settings, { home: { lat: 52.5 } }, 'the longitude of the home location is missing'],
      ['a nested group of the wrong kind', Settings, { home: 'Berlin' }, 'the home location must be a group of values with the latitude and the longitude'],
      ['an entry of a list', Settings, { days: [1, 2, 'Sat'] }, 'entry 3 of the days must be a whole number'],
      ['a list too long', Settings, { days: [0, 1, 2, 3, 4, 5, 6, 0] }, 'the days may have at most 7 entries'],
      ['a value deep in a list', Settings, { zones: [[[0.1, 'x']]] }, 'a value in entry 1 of the zones must be a number'],
      ['an empty list', Hook, { url: 'https://x.test', events: [] }, 'the events must have at least one entry'],
      ['a code of the wrong form', Pair, { code: '12ab', name: 'porch' }, 'the code must be 8 digits'],
      ['a number out of range', Settings, { limit: 5000 }, 'the number of entries asked for must be a whole number from 1 to 1000'],
      ['a query option out of range', Settings, { limit: 0 }, 'the number of entries asked for in the address must be a whole number from 1 to 1000', 'querystring'],
      ['an unknown query option', Settings, { sort: 'oldest' }, 'the hub does not take "sort" in the address of this request', 'querystring'],
      ['a body that is not an object', Login, [1, 2, 3], 'send the details as a JSON object, the way this page does: reload the page and try again'],
    ];
    for (const [what, schema, value, expected, part] of cases) {
      it(`says what is wrong with ${what}`, () => {
        const message = messageFor(schema, value, part);
        assert.equal(message, expected);
        assert.match(message, /^[a-z"]/, 'a lower-case clause the UI makes a sentence of');
        assert.doesNotMatch(message, JARGON);
      });
    }

    it('spells out a field it has no words for', () => {
      assert.equal(fieldName('/nightModeLevel'), 'the night mode level');
      assert.equal(fieldName('/id', 'params'), 'the id in the address');
    });
  });

  describe('through the hub', function () {
    this.timeout(60_000);
    const tmp = useTempDir();
    let t: TestHub;
    let owner: SignedIn;

    beforeEach(async () => {
      t = await startTestHub(path.join(tmp.dir, 'hub'));
      await addTestUser(t.db, 'owner');
      owner = await signIn(t.base, 'owner', PASSWORDS.owner);
    });
    afterEach(async () => t.stop());

    const send = (method: string, route: string, body: string, headers: Record<string, string> = owner.headers) =>
      call(t.base, method, route, { body, headers: { ...headers, ...JSON_HEADERS } });

    it('answers a malformed body with a 400, its code, and a clause naming the field and what is wrong', async () => {
      const cases: Array<[string, string, string, Record<string, string> | undefined, RegExp]> = [
        ['PUT', '/api/arming/settings', JSON.stringify({ radiusM: 'far' }), undefined, /^the radius must be a number$/],
        ['PUT', '/api/arming/settings', JSON.stringify({ home: { lat: 52.5 } }), undefined, /^the longitude of the home location is missing$/],
        ['POST', '/api/arming/rules', JSON.stringify({ days: [1, 'Sat'], at: '07:00', mode: 'disarmed' }), undefined, /^entry 2 of the days must be a whole number$/],
        ['POST', '/api/login/start', JSON.stringify({ startLoginRequest: 'x'.repeat(128) }), {}, /^the user name is missing$/],
        ['POST', '/api/users/invitations', JSON.stringify({ email: 'a@home.test', role: 'boss' }), undefined, /^the role must be "owner", "member", "viewer" or "installer"$/],
        ['PUT', '/api/cloud/target', JSON.stringify({ type: 'ftp' }), undefined, /^the kind of backup must be "directory", "s3" or "config"$/],
        ['PUT', '/api/arming/mode', '[1,2,3]', undefined, /^send the details as a JSON object/],
      ];
      for (const [method, route, body, headers, expected] of cases) {
        const res = await send(method, route, body, headers);
        assert.equal(res.status, 400, `${method} ${route} ${body}: ${res.body.toString()}`);
        const error = res.json().error as { code: string; message: string };
        assert.equal(error.code, 'BAD_REQUEST', `${method} ${route} ${body}`);
        assert.match(error.message, expected, `${method} ${route} ${body}`);
        assert.doesNotMatch(error.message, JARGON);
      }
    });

    it('names a bad option in the address in words too', async () => {
      const res = await call(t.base, 'GET', '/api/arming/events?limit=0', { headers: owner.headers });
      assert.equal(res.status, 400, res.body.toString());
      assert.equal(res.json().error.code, 'BAD_REQUEST');
      assert.equal(res.json().error.message, 'the number of entries asked for in the address must be a whole number from 1 to 1000');
    });
  });
});

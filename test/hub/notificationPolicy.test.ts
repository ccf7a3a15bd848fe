import { strict as assert } from 'node:assert';
import { DEFAULT_PREFS, parsePrefs, shouldNotifyMotion, type MotionNotifyInput, type NotificationPrefs } from '../../hub/notificationPolicy';

const MIN = 60_000;

describe('notification policy (pure)', () => {
  const base: MotionNotifyInput = {
    prefs: { ...DEFAULT_PREFS },
    cameraId: 'porch',
    mode: 'armed_away',
    retrigger: false,
    lastSentAt: null,
    cooldownMs: 5 * MIN,
    now: 100 * MIN,
  };
  const prefs = (p: Partial<NotificationPrefs>): NotificationPrefs => ({ ...DEFAULT_PREFS, ...p });

  const cases: Array<[string, Partial<MotionNotifyInput>, boolean]> = [
    ['defaults, armed away, first motion', {}, true],
    ['defaults, armed home', { mode: 'armed_home' }, true],
    ['defaults, disarmed', { mode: 'disarmed' }, false],
    ['defaults, privacy', { mode: 'privacy' }, false],
    ['"all", disarmed', { prefs: prefs({ motion: 'all' }), mode: 'disarmed' }, true],
    ['"all", armed home', { prefs: prefs({ motion: 'all' }), mode: 'armed_home' }, true],
    ['"all" still stays quiet in privacy', { prefs: prefs({ motion: 'all' }), mode: 'privacy' }, false],
    ['"none", armed away', { prefs: prefs({ motion: 'none' }) }, false],
    ['"none", disarmed', { prefs: prefs({ motion: 'none' }), mode: 'disarmed' }, false],
    ['camera in the list', { prefs: prefs({ cameras: ['garage', 'porch'] }) }, true],
    ['camera not in the list', { prefs: prefs({ cameras: ['garage'] }) }, false],
    ['empty camera list', { prefs: prefs({ cameras: [] }) }, false],
    ['a retrigger never notifies', { retrigger: true }, false],
    ['a retrigger never notifies, even with "all" and no cooldown', { prefs: prefs({ motion: 'all' }), retrigger: true, cooldownMs: 0 }, false],
    ['within the cooldown', { lastSentAt: 96 * MIN }, false],
    ['one ms before the cooldown ends', { lastSentAt: 95 * MIN + 1 }, false],
    ['exactly when the cooldown ends', { lastSentAt: 95 * MIN }, true],
    ['long after the last notice', { lastSentAt: 10 * MIN }, true],
    ['no cooldown configured', { lastSentAt: 100 * MIN - 1, cooldownMs: 0 }, true],
    ['clock stepped back a little: still cooling down', { lastSentAt: 102 * MIN }, false],
    ['clock stepped back an hour: one notice gets through', { lastSentAt: 160 * MIN }, true],
    ['cooldown does not rescue a filtered camera', { prefs: prefs({ cameras: ['garage'] }), lastSentAt: 0 }, false],
  ];
  for (const [name, override, expected] of cases) {
    it(`motion: ${name} → ${expected ? 'notify' : 'quiet'}`, () => assert.equal(shouldNotifyMotion({ ...base, ...override }), expected));
  }

  it('a cat pacing for an hour, motion every 30 s, sends ten notices, not a hundred and twenty', () => {
    let lastSentAt: number | null = null;
    const sent: number[] = [];
    for (let now = 0; now < 60 * MIN; now += 30_000) {
      // The camera reports a fresh event every 2 minutes and retriggers in between.
      const retrigger = now % (2 * MIN) !== 0;
      if (shouldNotifyMotion({ ...base, now, retrigger, lastSentAt })) {
        sent.push(now / MIN);
        lastSentAt = now;
      }
    }
    // Fresh events come every 2 minutes, so the first one at least 5 minutes after a notice is 6 minutes on.
    assert.deepEqual(sent, [0, 6, 12, 18, 24, 30, 36, 42, 48, 54]);
  });

  describe('parsePrefs', () => {
    it('gives the defaults for nothing stored, and fills in missing fields', () => {
      assert.deepEqual(parsePrefs(undefined), DEFAULT_PREFS);
      assert.deepEqual(parsePrefs(null), DEFAULT_PREFS);
      assert.deepEqual(parsePrefs({}), DEFAULT_PREFS);
      assert.deepEqual(parsePrefs({ motion: 'all' }), { motion: 'all', arming: true, cameras: 'all' });
      assert.deepEqual(parsePrefs({ motion: 'none', arming: false, cameras: ['a', 'b', 'a'] }), { motion: 'none', arming: false, cameras: ['a', 'b'] });
    });

    it('returns a fresh object that does not alias its input', () => {
      const input = { cameras: ['a'] };
      const p = parsePrefs(input);
      input.cameras.push('b');
      assert.deepEqual(p.cameras, ['a']);
      assert.notEqual(parsePrefs({}), DEFAULT_PREFS);
    });

    const bad: Array<[string, unknown, RegExp]> = [
      ['a string', 'all', /must be an object/],
      ['an array', [], /must be an object/],
      ['an unknown field', { motion: 'all', sms: true }, /"sms"/],
      ['a bad motion choice', { motion: 'always' }, /"motion"/],
      ['a non-string motion', { motion: 1 }, /"motion"/],
      ['a non-boolean arming', { arming: 'yes' }, /"arming"/],
      ['cameras as a string other than "all"', { cameras: 'porch' }, /"cameras"/],
      ['cameras with a non-string id', { cameras: ['porch', 7] }, /"cameras"/],
      ['cameras with an empty id', { cameras: [''] }, /"cameras"/],
    ];
    for (const [name, input, message] of bad) {
      it(`refuses ${name} with a RangeError naming it`, () => {
        assert.throws(() => parsePrefs(input), (err: unknown) => err instanceof RangeError && message.test(err.message));
      });
    }
  });
});

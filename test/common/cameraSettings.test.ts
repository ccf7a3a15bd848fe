import { strict as assert } from 'node:assert';
import { checkCameraSettings, defaultCameraSettings, MAX_CORNERS, MAX_SHAPES, parseSettingsMessage, SETTING_BOUNDS, SETTING_LIMITS } from '../../common/cameraSettings';
import { ConfigError, parseConfig } from '../../common/config';
import { defaultDetectionSettings, MIN_SCORE_BOUND } from '../../common/detectionSettings';
import { pairingUri, parsePairingUri, PairingUriError } from '../../common/pairingUri';
import { pointInPolygon, polygonArea, selfCrossing } from '../../common/polygon';

const square: Array<[number, number]> = [
  [0.1, 0.1],
  [0.4, 0.1],
  [0.4, 0.4],
  [0.1, 0.4],
];

describe('camera settings: the one check the hub and the camera both apply', () => {
  it('takes its bounds and defaults from the agent config, so the page and the config file agree', () => {
    const agent = parseConfig({}).agent;
    assert.deepEqual(SETTING_BOUNDS.sensitivity, { min: 1, max: 10, integer: true });
    assert.deepEqual(SETTING_BOUNDS.clipSeconds, { min: 5, max: 60, integer: false });
    assert.deepEqual(SETTING_BOUNDS.retriggerSeconds, { min: 10, max: 60, integer: false });
    const d = defaultCameraSettings();
    assert.equal(d.sensitivity, agent.motion.sensitivity);
    assert.equal(d.clipSeconds, agent.recording.clipSeconds);
    assert.equal(d.endEarly, agent.recording.endEarly);
    assert.deepEqual(checkCameraSettings(d), { ok: true, settings: d });
  });

  const cases: Array<[string, Record<string, unknown>, string, RegExp]> = [
    ['sensitivity above 10', { sensitivity: 11 }, 'sensitivity', /sensitivity \(sensitivity\) must be a whole number from 1 to 10/],
    ['sensitivity not whole', { sensitivity: 2.5 }, 'sensitivity', /whole number/],
    ['sensitivity as text', { sensitivity: '5' }, 'sensitivity', /from 1 to 10/],
    ['clip shorter than 5 s', { clipSeconds: 4 }, 'clipSeconds', /clip length \(clipSeconds\) must be from 5 to 60 seconds/],
    ['clip longer than 60 s', { clipSeconds: 61 }, 'clipSeconds', /5 to 60/],
    ['retrigger under 10 s', { retriggerSeconds: 9 }, 'retriggerSeconds', /retrigger time \(retriggerSeconds\) must be from 10 to 60 seconds/],
    ['object size too small', { minObjectSize: 0.00001 }, 'minObjectSize', /smallest object size \(minObjectSize\) must be from 0.02% to 25% of the frame/],
    ['post-roll too long', { postRollSeconds: 31 }, 'postRollSeconds', /post-roll/],
    ['pre-roll negative', { preRollSeconds: -1 }, 'preRollSeconds', /pre-roll/],
    ['end early not a boolean', { endEarly: 'yes' }, 'endEarly', /true or false/],
    ['an unknown setting', { colour: 'red' }, 'colour', /"colour" is not a camera setting/],
    ['a zone of two corners', { zones: [[[0.1, 0.1], [0.5, 0.5]]] }, 'zones[0]', /zone 1 has 2 corners: a shape needs at least 3/],
    ['a corner outside the picture', { ignoreMasks: [[[0.1, 0.1], [1.2, 0.1], [0.5, 0.5]]] }, 'ignoreMasks[0][1]', /corner 2 of ignore mask 1 is outside the picture/],
    ['a figure of eight', { zones: [[[0.1, 0.1], [0.5, 0.5], [0.5, 0.1], [0.1, 0.5]]] }, 'zones[0]', /edges of zone 1 cross each other/],
    ['too many corners', { zones: [Array.from({ length: MAX_CORNERS + 1 }, (_, i) => [0.5 + 0.4 * Math.cos((2 * Math.PI * i) / (MAX_CORNERS + 1)), 0.5 + 0.4 * Math.sin((2 * Math.PI * i) / (MAX_CORNERS + 1))])] }, 'zones[0]', /33 corners: at most 32/],
    ['too many zones', { zones: Array.from({ length: MAX_SHAPES + 1 }, () => square) }, 'zones', /at most 8 zones/],
    ['a sliver', { zones: [[[0.1, 0.1], [0.9, 0.1], [0.9, 0.1005]]] }, 'zones[0]', /too small/],
    ['a corner that is not a pair', { zones: [[[0.1, 0.1], [0.4], [0.4, 0.4]]] }, 'zones[0][1]', /pair of numbers/],
    ['a mask over the whole picture', { ignoreMasks: [[[0, 0], [1, 0], [1, 1], [0, 1]]] }, 'ignoreMasks', /leave nothing of the picture to watch/],
    ['detection not an object', { detection: 'on' }, 'detection', /the detection settings \(detection\) must be an object/],
    ['an unknown detection setting', { detection: { ...defaultDetectionSettings(), colour: 'red' } }, 'detection.colour', /"colour" is not a detection setting/],
    ['a class the detector does not report', { detection: { ...defaultDetectionSettings(), classes: ['person', 'cat'] } }, 'detection.classes', /the classes to detect \(detection.classes\): "cat" is not a class the detector reports; use person, vehicle or animal/],
    ['a class named twice', { detection: { ...defaultDetectionSettings(), classes: ['person', 'person'], alertOn: ['person'] } }, 'detection.classes', /name person twice/],
    ['classes not a list', { detection: { ...defaultDetectionSettings(), classes: 'person' } }, 'detection.classes', /must be a list of classes/],
    ['a person score below 0.3', { detection: { ...defaultDetectionSettings(), minScore: { person: 0.29, vehicle: 0.5, animal: 0.5 } } }, 'detection.minScore.person', /the minimum person score \(detection.minScore.person\) must be from 0.3 to 0.95/],
    ['an animal score above 0.95', { detection: { ...defaultDetectionSettings(), minScore: { person: 0.5, vehicle: 0.5, animal: 0.96 } } }, 'detection.minScore.animal', /minimum animal score .* from 0.3 to 0.95/],
    ['a score as text', { detection: { ...defaultDetectionSettings(), minScore: { person: '0.5', vehicle: 0.5, animal: 0.5 } } }, 'detection.minScore.person', /from 0.3 to 0.95/],
    ['a missing score', { detection: { ...defaultDetectionSettings(), minScore: { person: 0.5, animal: 0.5 } } }, 'detection.minScore.vehicle', /the minimum vehicle score \(detection.minScore.vehicle\) is missing/],
    ['a score for an unknown class', { detection: { ...defaultDetectionSettings(), minScore: { person: 0.5, vehicle: 0.5, animal: 0.5, cat: 0.5 } } }, 'detection.minScore.cat', /"cat" is not a class/],
    ['an alert on a class not detected', { detection: { ...defaultDetectionSettings(), classes: ['person'] } }, 'detection.alertOn', /the classes that alert \(detection.alertOn\) include vehicle, which this camera does not detect/],
    ['an alert on an unknown class', { detection: { ...defaultDetectionSettings(), alertOn: ['burglar'] } }, 'detection.alertOn', /"burglar" is not a class/],
    ['record-without-object not a boolean', { detection: { ...defaultDetectionSettings(), recordWithoutObject: 'yes' } }, 'detection.recordWithoutObject', /\(detection.recordWithoutObject\) must be true or false/],
  ];
  for (const [what, change, field, message] of cases) {
    it(`refuses ${what}, naming the setting`, () => {
      const result = checkCameraSettings({ ...defaultCameraSettings(), ...change });
      assert.equal(result.ok, false);
      if (result.ok) return;
      assert.equal(result.field, field);
      assert.match(result.message, message);
      assert.ok(/^[a-z"]/.test(result.message), `starts lower-case: ${result.message}`);
    });
  }

  it('records sound by default (the agent config\'s audio), keeps it on for settings saved before it existed, and refuses a non-boolean', () => {
    const defaults = defaultCameraSettings();
    assert.equal(defaults.audio, true);
    const { audio: _audio, ...older } = defaults;
    const kept = checkCameraSettings(older);
    assert.ok(kept.ok && kept.settings.audio === true);
    const off = checkCameraSettings({ ...defaults, audio: false });
    assert.ok(off.ok && off.settings.audio === false);
    const bad = checkCameraSettings({ ...defaults, audio: 'no' });
    assert.ok(!bad.ok && bad.field === 'audio', JSON.stringify(bad));
  });

  it('detects all three classes, alerts on people and vehicles and records object-less motion by default, from the hub config', () => {
    const d = defaultCameraSettings().detection;
    assert.deepEqual(d, { classes: ['person', 'vehicle', 'animal'], minScore: { person: 0.37, vehicle: 0.5, animal: 0.5 }, alertOn: ['person', 'vehicle'], recordWithoutObject: true });
    assert.deepEqual(d, parseConfig({}).hub.detection);
    assert.deepEqual(MIN_SCORE_BOUND, { min: 0.3, max: 0.95, integer: false });
    assert.deepEqual(SETTING_LIMITS.minScore, MIN_SCORE_BOUND);
    // A hub whose config sets other defaults hands them to cameras never saved on the page.
    const hubDefault = parseConfig({ hub: { detection: { alertOn: ['person'], minScore: { person: 0.7 } } } }).hub.detection;
    assert.deepEqual(defaultCameraSettings(hubDefault).detection, { ...d, alertOn: ['person'], minScore: { ...d.minScore, person: 0.7 } });
  });

  it('gives settings saved before detection existed the default detection (or the hub\'s), and takes the bounds\' edges', () => {
    const { detection: _detection, ...older } = defaultCameraSettings();
    const kept = checkCameraSettings(older);
    assert.ok(kept.ok && JSON.stringify(kept.settings.detection) === JSON.stringify(defaultDetectionSettings()));
    const hubDefault = { ...defaultDetectionSettings(), alertOn: ['person' as const] };
    const fromHub = checkCameraSettings(older, hubDefault);
    assert.ok(fromHub.ok && fromHub.settings.detection.alertOn.join() === 'person');
    const edges = checkCameraSettings({ ...defaultCameraSettings(), detection: { classes: ['animal', 'person'], minScore: { person: 0.3, vehicle: 0.95, animal: 0.3 }, alertOn: ['animal'], recordWithoutObject: false } });
    assert.ok(edges.ok, JSON.stringify(edges));
    // Stored in one order, whatever order they came in.
    assert.deepEqual(edges.settings.detection.classes, ['person', 'animal']);
    // No classes: detection off, every motion alerts as before; nothing left to alert on by class.
    const off = checkCameraSettings({ ...defaultCameraSettings(), detection: { ...defaultDetectionSettings(), classes: [], alertOn: [] } });
    assert.ok(off.ok && off.settings.detection.classes.length === 0);
  });

  it('refuses a config file that alerts on a class it does not detect, and scores out of bounds, naming the setting', () => {
    assert.throws(() => parseConfig({ hub: { detection: { classes: ['person'] } } }), (err: Error) => err instanceof ConfigError && /"hub.detection.alertOn" is invalid: vehicle is not in hub.detection.classes/.test(err.message));
    assert.throws(() => parseConfig({ hub: { detection: { minScore: { person: 0.2 } } } }), (err: Error) => err instanceof ConfigError && /"hub.detection.minScore.person" is invalid/.test(err.message));
    assert.throws(() => parseConfig({ hub: { detection: { classes: ['person', 'cat'] } } }), (err: Error) => err instanceof ConfigError && /"hub.detection.classes.1" is invalid/.test(err.message));
    assert.throws(() => parseConfig({ hub: { detection: { alertOn: ['person', 'person'] } } }), (err: Error) => err instanceof ConfigError && /"hub.detection.alertOn" is invalid/.test(err.message));
    assert.deepEqual(parseConfig({ hub: { detection: { classes: ['person'], alertOn: ['person'], recordWithoutObject: false } } }).hub.detection.classes, ['person']);
  });

  it('accepts zones and masks within bounds, whichever way their corners wind', () => {
    const clockwise: Array<[number, number]> = [[0.2, 0.2], [0.2, 0.3], [0.3, 0.3], [0.3, 0.2]];
    const result = checkCameraSettings({ ...defaultCameraSettings(), zones: [square], ignoreMasks: [clockwise], sensitivity: 10, clipSeconds: 5, retriggerSeconds: 60 });
    assert.equal(result.ok, true, JSON.stringify(result));
    // A mask exactly over the only zone leaves nothing.
    assert.equal(checkCameraSettings({ ...defaultCameraSettings(), zones: [square], ignoreMasks: [[...square].reverse()] }).ok, false);
  });

  it('reads a pushed message only when it is whole and valid', () => {
    const settings = defaultCameraSettings();
    assert.deepEqual(parseSettingsMessage(JSON.stringify({ version: 3, updatedAt: 5, settings })), { version: 3, updatedAt: 5, settings });
    assert.equal(parseSettingsMessage('{not json'), null);
    assert.equal(parseSettingsMessage(JSON.stringify({ version: 0, updatedAt: 5, settings })), null);
    assert.equal(parseSettingsMessage(JSON.stringify({ version: 1, updatedAt: 5, settings: { ...settings, sensitivity: 99 } })), null);
  });
});

describe('polygon geometry', () => {
  it('tests points, areas and crossings', () => {
    assert.equal(pointInPolygon(square, 0.2, 0.2), true);
    assert.equal(pointInPolygon(square, 0.5, 0.2), false);
    assert.ok(Math.abs(polygonArea(square) - 0.09) < 1e-9);
    assert.equal(selfCrossing(square), false);
    assert.equal(selfCrossing([[0, 0], [1, 1], [1, 0], [0, 1]]), true);
    // Folded back along itself: the edges overlap without crossing.
    assert.equal(selfCrossing([[0.1, 0.1], [0.5, 0.1], [0.3, 0.1], [0.3, 0.5]]), true);
  });
});

describe('pairing link', () => {
  const fp = 'AB:'.repeat(31) + 'AB';
  it('round-trips hub, code and fingerprint', () => {
    const uri = pairingUri({ hubUrl: 'https://192.168.1.20:9443/', code: '01234567', caFingerprint: fp });
    assert.match(uri, /^porchlight:\/\/pair\?hub=https%3A%2F%2F192\.168\.1\.20%3A9443%2F&code=01234567&fp=(AB){32}$/);
    assert.deepEqual(parsePairingUri(uri), { hubUrl: 'https://192.168.1.20:9443/', code: '01234567', caFingerprint: 'AB'.repeat(32) });
  });
  it('refuses links that are not complete pairing links, saying what is missing', () => {
    const bad: Array<[string, RegExp]> = [
      ['https://hub/pair?code=1', /not a pairing link/],
      ['porchlight://pair?code=01234567&fp=' + 'ab'.repeat(32), /no hub address/],
      ['porchlight://pair?hub=http%3A%2F%2Fhub&code=01234567&fp=' + 'ab'.repeat(32), /must start with https/],
      ['porchlight://pair?hub=https%3A%2F%2Fhub&code=123&fp=' + 'ab'.repeat(32), /8-digit code/],
      ['porchlight://pair?hub=https%3A%2F%2Fhub&code=01234567&fp=abc', /fingerprint/],
    ];
    for (const [uri, message] of bad) assert.throws(() => parsePairingUri(uri), (err: Error) => err instanceof PairingUriError && message.test(err.message), uri);
  });
});

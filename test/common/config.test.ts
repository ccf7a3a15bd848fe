import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { ConfigError, loadConfig, parseConfig } from '../../common/config';
import { useTempDir } from '../helpers/tmp';

describe('config', () => {
  const tmp = useTempDir();

  it('fills every setting with its default', () => {
    const c = parseConfig({});
    assert.equal(c.hub.httpsPort, 443);
    assert.equal(c.agent.recording.preRollSeconds, 3);
    assert.equal(c.agent.video.analysisWidth, 320);
    assert.deepEqual(c.agent.motion, { sensitivity: 5, minObjectSize: 0.002, zones: [], ignoreMasks: [], minDurationSeconds: 0.4, endAfterSeconds: 2, retriggerSeconds: 30 });
    assert.equal(c.agent.recording.clipSeconds, 30);
    assert.equal(c.agent.recording.endEarly, true);
  });

  const bad: Array<[string, unknown, RegExp]> = [
    ['an out-of-range number', { agent: { recording: { preRollSeconds: 99 } } }, /agent\.recording\.preRollSeconds/],
    ['a wrong type', { hub: { httpsPort: 'four' } }, /hub\.httpsPort/],
    ['an unknown key (a typo)', { hub: { httpsPrt: 443 } }, /hub/],
    ['an unknown relay target', { relay: { target: { type: 'ftp' } } }, /relay\.target/],
    ['an odd video width', { agent: { video: { width: 641 } } }, /agent\.video\.width/],
    ['a sensitivity above 10', { agent: { motion: { sensitivity: 11 } } }, /agent\.motion\.sensitivity/],
    ['a zone with two corners', { agent: { motion: { zones: [[[0, 0], [1, 1]]] } } }, /agent\.motion\.zones/],
    ['a mask corner outside the frame', { agent: { motion: { ignoreMasks: [[[0, 0], [1.5, 0], [1, 1]]] } } }, /agent\.motion\.ignoreMasks/],
    ['a retrigger time under 10 s', { agent: { motion: { retriggerSeconds: 5 } } }, /agent\.motion\.retriggerSeconds/],
    ['a clip longer than 60 s', { agent: { recording: { clipSeconds: 90 } } }, /agent\.recording\.clipSeconds/],
  ];
  for (const [what, input, names] of bad) {
    it(`refuses ${what}, naming the setting`, () => {
      assert.throws(() => parseConfig(input, 'test.yaml'), (err: Error) => err instanceof ConfigError && names.test(err.message));
    });
  }

  it('reads YAML files and reports YAML syntax errors with the file name', () => {
    const good = path.join(tmp.dir, 'good.yaml');
    writeFileSync(good, 'agent:\n  name: frontdoor\n  source: sim:driveway\n');
    assert.equal(loadConfig(good, { dataDir: tmp.dir }).agent.source, 'sim:driveway');
    const broken = path.join(tmp.dir, 'broken.yaml');
    writeFileSync(broken, 'agent: [unclosed\n');
    assert.throws(() => loadConfig(broken), /broken\.yaml is not valid YAML/);
    assert.throws(() => loadConfig(path.join(tmp.dir, 'missing.yaml')), /cannot read config file/);
  });
});

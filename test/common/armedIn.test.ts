import { strict as assert } from 'node:assert';
import { checkArmedIn, describeArmedIn, parseArmedInWords, withArmedIn } from '../../common/armedIn';

describe('which armed modes a camera records in', () => {
  it('accepts any subset of armed_home and armed_away, in one order, duplicates dropped', () => {
    assert.deepEqual(checkArmedIn(['armed_away', 'armed_home', 'armed_away']), { modes: ['armed_home', 'armed_away'] });
    assert.deepEqual(checkArmedIn(['armed_away']), { modes: ['armed_away'] });
    assert.deepEqual(checkArmedIn([]), { modes: [] });
  });

  it('refuses the modes no camera records in, and anything else, naming it and the good ones', () => {
    for (const bad of ['disarmed', 'privacy', 'away', 'ARMED_HOME', '']) {
      const r = checkArmedIn(['armed_home', bad]);
      assert.ok('problem' in r, bad);
      assert.equal(r.problem, `"${bad}" is not a mode a camera can be armed in; use armed_home, armed_away, both or none`);
    }
    const r = checkArmedIn([7]);
    assert.ok('problem' in r && r.problem.startsWith('7 is not a mode'));
  });

  it('reads the command line words: home, away, both, none, or the armed_ names', () => {
    assert.deepEqual(parseArmedInWords('home,away'), { modes: ['armed_home', 'armed_away'] });
    assert.deepEqual(parseArmedInWords('Away, home'), { modes: ['armed_home', 'armed_away'] });
    assert.deepEqual(parseArmedInWords('armed_away'), { modes: ['armed_away'] });
    assert.deepEqual(parseArmedInWords('none'), { modes: [] });
    for (const bad of ['', 'home,', 'night', 'none,home', 'disarmed']) assert.ok('problem' in parseArmedInWords(bad), bad);
  });

  it('turns one mode on or off, and says the set in words', () => {
    assert.deepEqual(withArmedIn(['armed_away'], 'armed_home', true), ['armed_home', 'armed_away']);
    assert.deepEqual(withArmedIn(['armed_home', 'armed_away'], 'armed_home', false), ['armed_away']);
    assert.deepEqual(withArmedIn(['armed_away'], 'armed_away', true), ['armed_away']);
    assert.equal(describeArmedIn(['armed_home', 'armed_away']), 'Home and Away');
    assert.equal(describeArmedIn(['armed_away']), 'Away');
    assert.equal(describeArmedIn([]), 'neither');
  });
});

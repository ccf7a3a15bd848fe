import { strict as assert } from 'node:assert';
import { getScene, isNuisanceScene, SCENE_SETS, sceneFilterGraph, sceneNames } from '../../camera-agent/scenes';
import { footageAugmentation, nuisanceVariant, stillFootageFilter, variantName } from '../../bench/nuisanceVariants';

const nuisanceScenes = SCENE_SETS.flatMap((set) => sceneNames(set))
  .map(getScene)
  .filter(isNuisanceScene);

describe('nuisanceVariants: every play of the nuisance footage is different footage', () => {
  it('draws play 1 as catalogued and every later play differently, the same way on every run', () => {
    for (const s of nuisanceScenes) {
      assert.equal(nuisanceVariant(s, 1), s);
      const graphs = [1, 2, 3, 4].map((play) => sceneFilterGraph(nuisanceVariant(s, play), 640, 360, 15));
      assert.equal(new Set(graphs).size, 4, `${s.name}: four plays, four different renders`);
      assert.deepEqual(nuisanceVariant(s, 3), nuisanceVariant(s, 3));
      assert.equal(nuisanceVariant(s, 3).name, variantName(s.name, 3));
    }
  });

  it('keeps every timed nuisance inside the period, so a play shows the whole light, shadow or IR switch', () => {
    for (const s of nuisanceScenes) {
      for (let play = 2; play <= 12; play += 1) {
        const v = nuisanceVariant(s, play);
        assert.equal(v.objects.length, 0, 'still no event in it');
        assert.deepEqual(v.ignoreMasks, s.ignoreMasks);
        for (const n of v.nuisances) {
          const span = n.kind === 'lights' || n.kind === 'ir' ? [n.on, n.off] : n.kind === 'shadow' ? [n.start, n.start + n.duration] : null;
          if (!span) continue;
          assert.ok(span[0]! >= 0 && span[1]! <= v.period && span[0]! < span[1]!, `${v.name}: ${n.kind} at ${span.join('–')} s within ${v.period} s`);
        }
      }
    }
  });

  it('refuses a scene with a walker in it (moving its timings would move its labels) and a play that is not 1, 2, …', () => {
    assert.throws(() => nuisanceVariant(getScene('person-walks'), 2), /has objects/);
    assert.throws(() => nuisanceVariant(getScene('rain'), 0), /play must be a whole number/);
    assert.throws(() => nuisanceVariant(getScene('rain'), 1.5), /play must be a whole number/);
  });

  it('augments real footage from play 2 on, each play its own way, and sways a still differently each play', () => {
    assert.equal(footageAugmentation('tree.avi', 1, 360, 240), null);
    const augmented = [2, 3, 4, 5].map((p) => footageAugmentation('tree.avi', p, 360, 240));
    assert.equal(new Set(augmented).size, 4);
    for (const f of augmented) assert.match(f ?? '', /crop=\d+:\d+:\d+:\d+,scale=360:240/);
    assert.notEqual(stillFootageFilter('building.jpg', 1, 640, 360, 30), stillFootageFilter('building.jpg', 2, 640, 360, 30));
  });
});

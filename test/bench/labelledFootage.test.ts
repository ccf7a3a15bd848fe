import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { checkAgainstFootage, readLabels, validateLabels, type FootageInfo, type Labels } from '../../bench/labelledFootage';
import { useTempDir } from '../helpers/tmp';


/** A small valid sample: one video frame and one still. */
function sample(): { about: string; items: Record<string, unknown>[] } {
  return {
    about: 'test',
    items: [
      { source: 'clip.avi', frame: 10, width: 100, height: 80, split: 'tuning', objects: [{ label: 'person', box: [10, 10, 20, 50] }] },
      { source: 'yard.jpg', width: 200, height: 100, split: 'heldout', objects: [] },
    ],
  };
}

/** The sample with `change` applied to a deep copy, validated: returns the error message. */
function refusal(change: (s: ReturnType<typeof sample>) => void): string {
  const s = structuredClone(sample());
  change(s);
  try {
    validateLabels(s, 'labels.json');
  } catch (err) {
    return (err as Error).message;
  }
  assert.fail('accepted');
}

describe('labelled footage for object detection (bench/labelledFootage.ts)', () => {
  const tmp = useTempDir();

  describe('the project\'s labels file', () => {
    let labels: Labels;
    before(() => {
      labels = readLabels();
    });

    it('loads, and labels vtest.avi frames at least 3 s apart plus stills, with people, vehicles and empty scenes', () => {
      const frames = labels.items.filter((i) => i.source === 'vtest.avi').map((i) => i.frame ?? -1);
      assert.ok(frames.length >= 20, `${frames.length} vtest frames`);
      frames.slice(1).forEach((f, i) => assert.ok(f - (frames[i] ?? 0) >= 30, `frames ${frames[i]} and ${f} are less than 3 s apart`));
      const stills = labels.items.filter((i) => i.frame === undefined);
      assert.ok(stills.some((i) => i.objects.some((o) => o.label === 'person' && !o.ignore)));
      assert.ok(stills.some((i) => i.objects.length === 0));
      const persons = labels.items.flatMap((i) => i.objects).filter((o) => o.label === 'person' && !o.ignore);
      assert.ok(persons.length >= 100, `${persons.length} persons`);
      assert.ok(labels.items.some((i) => i.objects.some((o) => o.label === 'vehicle' && !o.ignore)));
    });

    it('holds out every third vtest.avi frame in time order, as its "about" says', () => {
      const vtest = labels.items.filter((i) => i.source === 'vtest.avi').sort((a, b) => (a.frame ?? 0) - (b.frame ?? 0));
      vtest.forEach((item, i) => assert.equal(item.split, i % 3 === 2 ? 'heldout' : 'tuning', `frame ${item.frame}`));
      assert.match(labels.about, /every third labelled frame in time order/);
      const heldStills = labels.items.filter((i) => i.frame === undefined && i.split === 'heldout').map((i) => i.source);
      assert.ok(heldStills.length > 0);
      for (const still of heldStills) assert.ok(labels.about.includes(still), `${still} is held out but "about" does not say so`);
    });

    it('boxes every person it does not ignore at least 40 px tall (smaller ones are ignored)', () => {
      for (const item of labels.items) {
        for (const o of item.objects) {
          if (o.label === 'person' && !o.ignore) assert.ok(o.box[3] >= 40, `${item.source} ${item.frame ?? ''}: person ${o.box.join(',')} under 40 px`);
        }
      }
    });
  });

  it('accepts a valid sample and reads a file', () => {
    const file = path.join(tmp.dir, 'labels.json');
    writeFileSync(file, JSON.stringify(sample()));
    assert.equal(readLabels(file).items.length, 2);
  });

  it('refuses a file that is not JSON, naming it', () => {
    const file = path.join(tmp.dir, 'labels.json');
    writeFileSync(file, '{ "about": ');
    assert.throws(() => readLabels(file), /cannot read labels .*labels\.json/);
  });

  it('refuses a bad box, naming the item and the box', () => {
    assert.match(
      refusal((s) => ((s.items[0]!.objects as { box: number[] }[])[0]!.box = [10, 10, 0, 50])),
      /^labels\.json: items\[0\] \(clip\.avi frame 10\): objects\[0\]\.box\[2\] is invalid: .*greater or equal to 1 \(found 0\)/,
    );
    assert.match(refusal((s) => ((s.items[0]!.objects as { box: number[] }[])[0]!.box = [10, 10, 20])), /objects\[0\]\.box is invalid/);
    assert.match(refusal((s) => ((s.items[0]!.objects as { box: number[] }[])[0]!.box = [-1, 10, 20, 20])), /objects\[0\]\.box\[0\] is invalid: .*greater or equal to 0/);
    assert.match(refusal((s) => ((s.items[0]!.objects as { box: unknown[] }[])[0]!.box = [1.5, 10, 20, 20])), /objects\[0\]\.box\[0\] is invalid: Expected integer/);
  });

  it('refuses a box that reaches outside the picture', () => {
    assert.match(
      refusal((s) => ((s.items[0]!.objects as { box: number[] }[])[0]!.box = [90, 10, 20, 50])),
      /items\[0\] \(clip\.avi frame 10\): objects\[0\]\.box \[90, 10, 20, 50\] reaches outside the 100×80 picture/,
    );
    assert.match(refusal((s) => ((s.items[0]!.objects as { box: number[] }[])[0]!.box = [0, 40, 20, 41])), /reaches outside the 100×80 picture/);
  });

  it('refuses an unknown split or label, listing the allowed values', () => {
    assert.match(refusal((s) => (s.items[1]!.split = 'test')), /items\[1\] \(yard\.jpg\): split is invalid: must be one of tuning, heldout \(found "test"\)/);
    assert.match(refusal((s) => ((s.items[0]!.objects as { label: string }[])[0]!.label = 'dog')), /objects\[0\]\.label is invalid: must be one of person, vehicle, animal/);
  });

  it('refuses a video item without a frame, a still with one, a negative frame and a picture labelled twice', () => {
    assert.match(refusal((s) => delete s.items[0]!.frame), /items\[0\] \(clip\.avi\): a video's item needs "frame"/);
    assert.match(refusal((s) => (s.items[1]!.frame = 3)), /items\[1\] \(yard\.jpg frame 3\): "frame" is only for videos/);
    assert.match(refusal((s) => (s.items[0]!.frame = -1)), /items\[0\] \(clip\.avi frame -1\): frame is invalid/);
    assert.match(refusal((s) => s.items.push(structuredClone(s.items[0]!))), /items\[2\] \(clip\.avi frame 10\): this picture is labelled twice/);
  });

  it('refuses a crowd region that is not ignored, unknown fields, a path as source and an empty list', () => {
    assert.match(refusal((s) => ((s.items[0]!.objects as Record<string, unknown>[])[0]!.crowd = true)), /objects\[0\] is a crowd region, which must also be "ignore": true/);
    assert.match(refusal((s) => ((s.items[0]!.objects as Record<string, unknown>[])[0]!.confidence = 1)), /objects\[0\]\.confidence is invalid/);
    assert.match(refusal((s) => (s.items[1]!.source = '../etc/passwd')), /items\[1\] \(\.\.\/etc\/passwd\): source is invalid/);
    assert.match(refusal((s) => (s.items = [])), /^labels\.json: items is invalid/);
    assert.match(refusal((s) => delete (s as Partial<typeof s>).about), /^labels\.json: about is invalid: .* \(found missing\)/);
  });

  describe('against the footage as probed', () => {
    const labels = (): Labels => validateLabels(sample());
    const footage = (clip: FootageInfo): Map<string, FootageInfo> => new Map([['clip.avi', clip], ['yard.jpg', { width: 200, height: 100 }]]);

    it('accepts frames inside the video and matching sizes', () => {
      checkAgainstFootage(labels(), footage({ width: 100, height: 80, frames: 11 }));
    });

    it('refuses a frame out of range', () => {
      assert.throws(
        () => checkAgainstFootage(labels(), footage({ width: 100, height: 80, frames: 10 })),
        /items\[0\] \(clip\.avi frame 10\): frame 10 is out of range: the video has 10 frames \(0 to 9\)/,
      );
    });

    it('refuses a size that is not the footage\'s, and footage that was not found', () => {
      assert.throws(() => checkAgainstFootage(labels(), footage({ width: 101, height: 80, frames: 20 })), /labelled as 100×80 but the footage is 101×80/);
      assert.throws(() => checkAgainstFootage(labels(), new Map([['clip.avi', { width: 100, height: 80, frames: 20 }]])), /items\[1\] \(yard\.jpg\): footage yard\.jpg was not found/);
    });
  });
});

import { strict as assert } from 'node:assert';
import { planSpoolDrops, type BudgetClip } from '../../camera-agent/spoolBudget';

const clip = (id: string, startedAt: number, bytes: number): BudgetClip => ({ id, startedAt, bytes });
const none = new Set<string>();

describe('spool budget: which clips go when the camera disk is full (pure)', () => {
  it('drops nothing while everything fits, the clip being written included', () => {
    const plan = planSpoolDrops({ clips: [clip('a', 1, 40), clip('b', 2, 40)], fixedBytes: 20, maxBytes: 100, keep: none });
    assert.deepEqual(plan.drop, []);
    assert.equal(plan.usedBytes, 100);
    assert.equal(plan.stillOver, false);
  });

  it('drops the oldest first, as few as needed, and keeps the newest', () => {
    const clips = [clip('c', 3, 30), clip('a', 1, 30), clip('d', 4, 30), clip('b', 2, 30)];
    const plan = planSpoolDrops({ clips, fixedBytes: 0, maxBytes: 65, keep: none });
    assert.deepEqual(plan.drop.map((c) => c.id), ['a', 'b']);
    assert.equal(plan.bytesAfter, 60);
    assert.equal(plan.stillOver, false);
  });

  it('counts the clip being written: a growing recording pushes out old clips', () => {
    const clips = [clip('a', 1, 30), clip('b', 2, 30)];
    assert.deepEqual(planSpoolDrops({ clips, fixedBytes: 30, maxBytes: 100, keep: none }).drop, []);
    assert.deepEqual(planSpoolDrops({ clips, fixedBytes: 41, maxBytes: 100, keep: none }).drop.map((c) => c.id), ['a']);
  });

  it('never drops a clip being uploaded: the next-oldest goes instead', () => {
    const clips = [clip('a', 1, 50), clip('b', 2, 50), clip('c', 3, 50)];
    const plan = planSpoolDrops({ clips, fixedBytes: 0, maxBytes: 100, keep: new Set(['a']) });
    assert.deepEqual(plan.drop.map((c) => c.id), ['b']);
  });

  it('says when it cannot get under budget (what cannot be dropped is larger than the budget)', () => {
    const plan = planSpoolDrops({ clips: [clip('a', 1, 10), clip('b', 2, 10)], fixedBytes: 150, maxBytes: 100, keep: new Set(['b']) });
    assert.deepEqual(plan.drop.map((c) => c.id), ['a']);
    assert.equal(plan.bytesAfter, 160);
    assert.equal(plan.stillOver, true);
  });

  it('orders clips that started at the same time by id, so the choice is stable', () => {
    const plan = planSpoolDrops({ clips: [clip('y', 5, 10), clip('x', 5, 10)], fixedBytes: 0, maxBytes: 10, keep: none });
    assert.deepEqual(plan.drop.map((c) => c.id), ['x']);
  });

  it('refuses a budget or a byte count that makes no sense, naming it', () => {
    assert.throws(() => planSpoolDrops({ clips: [], fixedBytes: 0, maxBytes: 0, keep: none }), /maxSpoolBytes must be a positive number/);
    assert.throws(() => planSpoolDrops({ clips: [], fixedBytes: -1, maxBytes: 10, keep: none }), /fixed spool bytes must be zero or more/);
  });
});

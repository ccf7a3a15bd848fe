import { strict as assert } from 'node:assert';
import { BoundedQueue, QueueFullError } from '../../hub/objectDetection/boundedQueue';

function gate(): { open: () => void; wait: Promise<void> } {
  let open = () => {};
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { open, wait };
}

describe('BoundedQueue: one detection at a time, a bounded wait', () => {
  it('runs jobs one at a time in order, and refuses one past the bound with a clear error', async () => {
    const queue = new BoundedQueue(1);
    const order: string[] = [];
    const first = gate();
    const a = queue.run(async () => {
      order.push('a start');
      await first.wait;
      order.push('a end');
      return 'a';
    });
    const b = queue.run(async () => {
      order.push('b');
      return 'b';
    });
    assert.equal(queue.size, 2);
    await assert.rejects(
      queue.run(async () => 'c'),
      (err: Error) => err instanceof QueueFullError && /busy: 1 picture\(s\) already wait/.test(err.message),
    );
    first.open();
    assert.deepEqual(await Promise.all([a, b]), ['a', 'b']);
    assert.deepEqual(order, ['a start', 'a end', 'b']);
    assert.equal(queue.size, 0);
  });

  it('goes on after a job fails', async () => {
    const queue = new BoundedQueue(0);
    await assert.rejects(queue.run(async () => Promise.reject(new Error('model failed'))), /model failed/);
    assert.equal(await queue.run(async () => 42), 42);
  });

  it('refuses a bound that is not a whole number', () => {
    assert.throws(() => new BoundedQueue(-1), /whole number/);
    assert.throws(() => new BoundedQueue(1.5), /whole number/);
  });
});

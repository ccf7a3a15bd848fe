import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { burstFor, throttle, TokenBucket, type Clock } from '../../cloud-relay/bandwidth';

/** Time only moves when someone sleeps, so the test measures the throttle, not the machine. */
function fakeClock(): Clock & { t: number; sleeps: number[] } {
  const clock = {
    t: 1_000_000,
    sleeps: [] as number[],
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.sleeps.push(ms);
      clock.t += ms;
    },
  };
  return clock;
}

async function pump(input: Buffer, chunkSize: number, bytesPerSecond: number, clock: Clock): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for (let i = 0; i < input.length; i += chunkSize) chunks.push(input.subarray(i, i + chunkSize));
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(chunks),
    throttle(bytesPerSecond, clock),
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        out.push(chunk);
        cb();
      },
    }),
  );
  return Buffer.concat(out);
}

describe('relay bandwidth cap', () => {
  describe('TokenBucket', () => {
    // Each step: [bytes, now (ms), expected wait (ms)].
    const cases: Array<{ name: string; rate: number; burst: number; steps: Array<[number, number, number]> }> = [
      { name: 'starts full and spends the burst without waiting', rate: 1000, burst: 500, steps: [[200, 0, 0], [300, 0, 0]] },
      { name: 'charges the shortfall at the rate', rate: 1000, burst: 500, steps: [[500, 0, 0], [100, 0, 100], [100, 0, 200]] },
      { name: 'refills over time', rate: 1000, burst: 500, steps: [[500, 0, 0], [100, 100, 0], [200, 200, 100]] },
      { name: 'never refills beyond the burst', rate: 1000, burst: 500, steps: [[500, 0, 0], [501, 60_000, 1]] },
      { name: 'lets a chunk larger than the burst through, as debt', rate: 1000, burst: 500, steps: [[1500, 0, 1000], [0, 1000, 0], [1, 1000, 1]] },
      { name: 'makes later chunks repay the debt', rate: 1000, burst: 500, steps: [[1500, 0, 1000], [100, 500, 600]] },
      { name: 'rounds waits up to whole ms', rate: 3000, burst: 0, steps: [[1, 0, 1], [1, 0, 1], [3, 0, 2]] },
      { name: 'ignores a clock stepping backwards', rate: 1000, burst: 500, steps: [[500, 10_000, 0], [100, 0, 100], [100, 10_100, 100]] },
      { name: 'takes zero bytes for free', rate: 1, burst: 0, steps: [[0, 0, 0]] },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const bucket = new TokenBucket(c.rate, c.burst, 0);
        assert.deepEqual(
          c.steps.map(([bytes, now]) => bucket.take(bytes, now)),
          c.steps.map(([, , wait]) => wait),
        );
      });
    }

    it('refuses a rate that is not positive and finite', () => {
      for (const rate of [0, -1, NaN, Infinity, -Infinity]) {
        assert.throws(() => new TokenBucket(rate, 100, 0), RangeError, String(rate));
      }
      assert.throws(() => new TokenBucket(100, -1, 0), RangeError);
      assert.throws(() => new TokenBucket(100, 100, 0).take(-1, 0), RangeError);
    });
  });

  describe('throttle', () => {
    it('takes about 4 s (fake) to pass 1 MiB at 256 KiB/s, bytes unchanged', async () => {
      const clock = fakeClock();
      const start = clock.t;
      const input = randomBytes(1024 * 1024);
      const output = await pump(input, 16 * 1024, 256 * 1024, clock);
      assert.ok(output.equals(input));
      // The first quarter second's worth is the burst; the rest is paid at the rate.
      const elapsed = clock.t - start;
      assert.ok(elapsed >= 3700 && elapsed <= 4050, `took ${elapsed} ms`);
      assert.ok(clock.sleeps.every((ms) => ms > 0));
    });

    it('never gets ahead of rate × time + burst', async () => {
      const clock = fakeClock();
      const start = clock.t;
      const rate = 100_000;
      const input = randomBytes(777_777);
      const chunks: Buffer[] = [];
      for (let i = 0; i < input.length; i += 10_000) chunks.push(input.subarray(i, i + 10_000));
      let sent = 0;
      await pipeline(
        Readable.from(chunks),
        throttle(rate, clock),
        new Writable({
          write(chunk: Buffer, _enc, cb) {
            sent += chunk.length;
            assert.ok(sent <= burstFor(rate) + ((clock.t - start) * rate) / 1000, `${sent} bytes by ${clock.t - start} ms`);
            cb();
          },
        }),
      );
      assert.equal(sent, input.length);
    });

    it('passes a chunk larger than the burst whole', async () => {
      const clock = fakeClock();
      const input = randomBytes(200_000);
      const out: Buffer[] = [];
      const t = throttle(50_000, clock);
      t.on('data', (c: Buffer) => out.push(c));
      await pipeline(Readable.from([input]), t);
      assert.equal(out.length, 1);
      assert.ok(out[0]?.equals(input));
      assert.deepEqual(clock.sleeps, [Math.ceil(((200_000 - burstFor(50_000)) * 1000) / 50_000)]);
    });

    it('treats 0 as unlimited: no waiting at all', async () => {
      const clock = fakeClock();
      const input = randomBytes(3 * 1024 * 1024);
      const output = await pump(input, 64 * 1024, 0, clock);
      assert.ok(output.equals(input));
      assert.deepEqual(clock.sleeps, []);
    });

    it('gives up its wait when destroyed', async () => {
      let signal: AbortSignal | undefined;
      const clock: Clock = {
        now: () => 0,
        sleep: (_ms, s) => {
          signal = s;
          return new Promise((resolve) => s?.addEventListener('abort', () => resolve()));
        },
      };
      const t = throttle(1000, clock);
      const out: Buffer[] = [];
      t.on('data', (c: Buffer) => out.push(c));
      t.write(Buffer.alloc(50_000));
      await new Promise((r) => setImmediate(r));
      assert.equal(signal?.aborted, false);
      t.destroy();
      await new Promise((r) => t.on('close', r));
      assert.equal(signal?.aborted, true);
      assert.deepEqual(out, []);
    });

    it('uses a quarter second of bytes as the burst, never less than 16 KiB', () => {
      assert.equal(burstFor(256 * 1024), 64 * 1024);
      assert.equal(burstFor(10_000), 16 * 1024);
    });

    it('refuses a negative or non-finite cap', () => {
      for (const rate of [-1, NaN, Infinity]) assert.throws(() => throttle(rate), RangeError);
    });
  });
});

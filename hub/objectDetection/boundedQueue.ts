/*
 * One inference at a time, with a bounded wait. A detection takes about half a second on the
 * hub's CPU; if cameras send pictures faster than that, waiting pictures would pile up and
 * every answer would come later than the last. Past `maxWaiting`, a new picture is refused at
 * once (QueueFullError), so the camera's next picture — a newer moment — gets its turn.
 */

export class QueueFullError extends Error {
  constructor(readonly maxWaiting: number) {
    super(`the object detector is busy: ${maxWaiting} picture(s) already wait for it; this one is refused`);
  }
}

export class BoundedQueue {
  private running = false;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly maxWaiting: number) {
    if (!Number.isInteger(maxWaiting) || maxWaiting < 0) throw new RangeError(`maxWaiting must be a whole number ≥ 0, got ${maxWaiting}`);
  }

  /** Jobs running or waiting. */
  get size(): number {
    return this.waiting.length + (this.running ? 1 : 0);
  }

  /** Runs `job` when no other job runs; rejects with QueueFullError when too many already wait. */
  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.running) {
      if (this.waiting.length >= this.maxWaiting) throw new QueueFullError(this.maxWaiting);
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.running = true;
    try {
      return await job();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running = false;
    }
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `get` until it gives something truthy, and returns it; fails naming `what` after `ms`. */
export async function until<T>(what: string, get: () => T | Promise<T>, ms = 10_000, everyMs = 25): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await get();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

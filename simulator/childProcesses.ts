import type { ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import type { HubRuntime } from '../hub/hub';

/*
 * Waiting on and stopping the real processes the demo (and the benches that run the same
 * processes) start: one place for the polling, the "it died, see its log" message and the
 * SIGTERM-then-SIGKILL stop.
 */

export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** SIGTERM, then SIGKILL after `timeoutMs`; resolves once the process has exited. */
export async function stopProcess(child: ChildProcess, timeoutMs = 20_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = exited(child);
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await done;
  clearTimeout(timer);
}

/** Polls `probe` every 200 ms until it gives a value; fails when `alive` exits first or the time is up. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, alive?: ChildProcess): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (alive && alive.exitCode !== null) throw new Error(`${what}: the process exited (code ${alive.exitCode}); see its log`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The hub `hub` listening: its run/hub.json, written by that very process (not a stale one). */
export function hubListening(runtimeFile: string, hub: ChildProcess, timeoutMs: number): Promise<HubRuntime> {
  return waitFor<HubRuntime>(
    'the hub to listen',
    async () => {
      try {
        const r = JSON.parse(await fs.readFile(runtimeFile, 'utf8')) as HubRuntime;
        return r.pid === hub.pid ? r : undefined;
      } catch {
        return undefined;
      }
    },
    timeoutMs,
    hub,
  );
}

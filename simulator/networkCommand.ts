import * as readline from 'node:readline';
import { startNetworkProxy, type NetworkProxy } from './networkProxy';

/*
 * `porchlight sim network`: the flaky network between a camera and the hub, for a developer.
 * Point the camera at the proxy's port instead of the hub's (its hubUrl in identity.json,
 * or pair it through the proxy); then type commands, or give a timeline with --script.
 */

export type NetworkAction =
  | { kind: 'up' | 'down' | 'stall' | 'cut' | 'status' }
  | { kind: 'delay'; ms: number }
  | { kind: 'drop'; rate: number };

export interface ScriptStep {
  action: NetworkAction;
  /** How long this state lasts before the next step (s); null for the last step: it stays. */
  seconds: number | null;
}

export const NETWORK_HELP = [
  'up             pass traffic',
  'down           reset every connection and refuse new ones',
  'stall          hold all traffic, connections stay open',
  'cut            reset the open connections once',
  'delay <ms>     hold each chunk this long (0 = none)',
  'drop <0..1>    reset this fraction of new connections',
  'status         print the state and counters',
].join('\n');

/** One command, as typed ("delay 200"); throws naming what is wrong. */
export function parseNetworkCommand(line: string): NetworkAction {
  const [word, arg, ...rest] = line.trim().split(/\s+/);
  if (rest.length > 0) throw new Error(`"${line.trim()}": too many words`);
  switch (word) {
    case 'up':
    case 'down':
    case 'stall':
    case 'cut':
    case 'status':
      if (arg !== undefined) throw new Error(`"${word}" takes no value`);
      return { kind: word };
    case 'delay': {
      const ms = Number(arg);
      if (arg === undefined || !Number.isFinite(ms) || ms < 0 || ms > 600_000) throw new Error('delay needs a number of milliseconds, 0–600000');
      return { kind: 'delay', ms };
    }
    case 'drop': {
      const rate = Number(arg);
      if (arg === undefined || !Number.isFinite(rate) || rate < 0 || rate > 1) throw new Error('drop needs a fraction of connections, 0–1');
      return { kind: 'drop', rate };
    }
    default:
      throw new Error(`unknown network command "${word ?? ''}"; one of: up, down, stall, cut, delay <ms>, drop <0..1>, status`);
  }
}

/**
 * A timeline: "down 30s, up 10s, stall 5s, up" — each step a command and how long it lasts
 * (s, m or h; plain numbers are seconds). The last step may omit the time and then stays.
 */
export function parseNetworkScript(text: string): ScriptStep[] {
  const parts = text.split(',').map((p) => p.trim()).filter((p) => p.length > 0);
  if (parts.length === 0) throw new Error('the script is empty');
  return parts.map((part, i) => {
    // "delay 200 30s": a command with a value, then how long it lasts.
    const words = part.split(/\s+/);
    const commandWords = words[0] === 'delay' || words[0] === 'drop' ? 2 : 1;
    const cmdText = words.slice(0, commandWords).join(' ');
    const timeText = words.slice(commandWords).join(' ');
    const action = parseNetworkCommand(cmdText);
    if (action.kind === 'status') throw new Error('"status" is not a step of a script');
    if (timeText === '') {
      if (i < parts.length - 1) throw new Error(`"${part}": every step but the last needs a time, e.g. "${cmdText} 30s"`);
      return { action, seconds: null };
    }
    const t = /^(\d+(?:\.\d+)?)(s|m|h)?$/.exec(timeText);
    if (!t) throw new Error(`"${part}": the time must look like 30s, 2m or 1h`);
    const seconds = Number(t[1]) * (t[2] === 'h' ? 3600 : t[2] === 'm' ? 60 : 1);
    if (seconds <= 0) throw new Error(`"${part}": the time must be more than 0`);
    return { action, seconds };
  });
}

export function applyNetworkAction(proxy: NetworkProxy, action: NetworkAction): string {
  switch (action.kind) {
    case 'up':
      proxy.up();
      return 'network up';
    case 'down':
      proxy.down();
      return 'network down: connections reset, new ones refused';
    case 'stall':
      proxy.stall();
      return 'network stalled: nothing moves until "up"';
    case 'cut':
      return `cut ${proxy.cutAll()} open connection(s)`;
    case 'delay':
      proxy.setDelay(action.ms);
      return `each chunk now waits ${action.ms} ms`;
    case 'drop':
      proxy.setDropRate(action.rate);
      return `${Math.round(action.rate * 100)}% of new connections are reset`;
    case 'status':
      return `${proxy.state}; ${proxy.connections} connections, ${proxy.cuts} cut; ${proxy.bytesUp} bytes up, ${proxy.bytesDown} down`;
  }
}

export interface NetworkCommandOptions {
  target: { host: string; port: number };
  listen: { host: string; port: number };
  delayMs: number;
  dropRate: number;
  script?: ScriptStep[];
  say: (line: string) => void;
  input?: NodeJS.ReadableStream;
  signal?: AbortSignal;
}

/** Runs the proxy until the signal aborts (or stdin ends when there is no script). */
export async function runNetworkCommand(opts: NetworkCommandOptions): Promise<void> {
  const proxy = await startNetworkProxy({
    targetHost: opts.target.host,
    targetPort: opts.target.port,
    listenHost: opts.listen.host,
    listenPort: opts.listen.port,
    delayMs: opts.delayMs,
    dropRate: opts.dropRate,
  });
  opts.say(`flaky network on ${opts.listen.host}:${proxy.port} → ${opts.target.host}:${opts.target.port}`);
  const stopped = new Promise<void>((resolve) => {
    if (opts.signal?.aborted) return resolve();
    opts.signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  try {
    if (opts.script) {
      for (const step of opts.script) {
        opts.say(applyNetworkAction(proxy, step.action) + (step.seconds === null ? '' : ` for ${step.seconds} s`));
        if (step.seconds === null) break;
        const timer = new Promise<void>((r) => setTimeout(r, step.seconds! * 1000).unref());
        await Promise.race([timer, stopped]);
        if (opts.signal?.aborted) break;
      }
      await stopped;
      return;
    }
    opts.say(`commands (one a line):\n${NETWORK_HELP}`);
    const rl = readline.createInterface({ input: opts.input ?? process.stdin, terminal: false });
    const ended = new Promise<void>((resolve) => rl.once('close', () => resolve()));
    rl.on('line', (line) => {
      if (line.trim() === '') return;
      try {
        opts.say(applyNetworkAction(proxy, parseNetworkCommand(line)));
      } catch (err) {
        opts.say(`? ${(err as Error).message}`);
      }
    });
    await Promise.race([ended, stopped]);
    rl.close();
  } finally {
    await proxy.close();
  }
}

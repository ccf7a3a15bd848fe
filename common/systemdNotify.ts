import { spawn } from 'node:child_process';
import type { Logger } from './logger';

/*
 * The systemd notification protocol (sd_notify): READY=1 once a service serves, WATCHDOG=1
 * while it is healthy, STOPPING=1 as it shuts down. The messages are datagrams on the unix
 * socket named by $NOTIFY_SOCKET, and Node cannot send unix datagrams without a native
 * module (unix-dgram needs a compiler on the Pi and breaks with Node upgrades). So each
 * message is sent by the `systemd-notify` tool that ships with systemd:
 *
 * - It runs as a child, so systemd sees another PID: the units say NotifyAccess=all (any
 *   process of the service's own cgroup may notify; nothing outside it can) and the message
 *   names the main PID (--pid), so the service is never mistaken for the short-lived tool.
 * - systemd-notify (systemd ≥ 246) waits until the manager has read the message (BARRIER=1),
 *   so the old race — the tool exits before systemd can tell which unit sent it — is gone.
 *
 * Without $NOTIFY_SOCKET (a terminal, a test, the demo) every call does nothing.
 */

export interface SystemdNotifier {
  /** True when a service manager listens ($NOTIFY_SOCKET is set). */
  readonly active: boolean;
  /** The service is serving: systemd lets the units ordered after it start. */
  ready(status?: string): void;
  /** A one-line status shown by `systemctl status`. */
  status(text: string): void;
  /** The service is shutting down cleanly. */
  stopping(): void;
  /**
   * Pings the watchdog at half the interval systemd asked for, for as long as `healthy`
   * answers true; a process whose event loop hangs stops pinging and systemd restarts it.
   */
  startWatchdog(healthy?: () => boolean): void;
  stopWatchdog(): void;
}

/** Sends one notification; a stand-in in tests. */
export type NotifySender = (assignments: string[]) => Promise<void>;

/**
 * How often to ping, in ms, from the environment systemd sets: half of WATCHDOG_USEC, and
 * only when the watchdog is meant for this process (WATCHDOG_PID, when set, is its PID).
 * Null when there is no watchdog.
 */
export function watchdogIntervalMs(env: NodeJS.ProcessEnv, pid: number): number | null {
  const usec = Number(env.WATCHDOG_USEC);
  if (!env.WATCHDOG_USEC || !Number.isSafeInteger(usec) || usec <= 0) return null;
  if (env.WATCHDOG_PID !== undefined && env.WATCHDOG_PID !== '' && Number(env.WATCHDOG_PID) !== pid) return null;
  return Math.max(1, Math.floor(usec / 2000));
}

/** A status line must be one line: systemd reads up to the newline. */
export function statusAssignment(text: string): string {
  return `STATUS=${text.replace(/[\r\n]+/g, ' ').slice(0, 200)}`;
}

/** Runs `systemd-notify --pid=<pid> A=1 B=2`, resolving when the manager has read it. */
export function systemdNotifySender(socket: string, pid: number, command = 'systemd-notify'): NotifySender {
  return (assignments) =>
    new Promise((resolve, reject) => {
      const child = spawn(command, [`--pid=${pid}`, ...assignments], {
        env: { ...process.env, NOTIFY_SOCKET: socket },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(stderr.trim() || `${command} exited with ${code}`))));
    });
}

export interface NotifierOptions {
  env?: NodeJS.ProcessEnv;
  pid?: number;
  send?: NotifySender;
}

export function createSystemdNotifier(log: Logger, options: NotifierOptions = {}): SystemdNotifier {
  const env = options.env ?? process.env;
  const pid = options.pid ?? process.pid;
  const socket = env.NOTIFY_SOCKET;
  const active = Boolean(socket);
  const send = options.send ?? (socket ? systemdNotifySender(socket, pid) : async () => undefined);
  let warned = false;
  let timer: NodeJS.Timeout | null = null;
  const notify = (assignments: string[]) => {
    if (!active) return;
    send(assignments).catch((err: Error) => {
      // One warning: a missing systemd-notify would otherwise fill the journal every ping.
      if (warned) return;
      warned = true;
      log.warn({ err: err.message }, 'cannot notify systemd (is systemd-notify installed?); the unit will time out');
    });
  };
  return {
    active,
    ready: (status) => notify(['READY=1', ...(status ? [statusAssignment(status)] : [])]),
    status: (text) => notify([statusAssignment(text)]),
    stopping: () => notify(['STOPPING=1']),
    startWatchdog(healthy = () => true) {
      const every = active ? watchdogIntervalMs(env, pid) : null;
      if (every === null || timer) return;
      timer = setInterval(() => {
        if (healthy()) notify(['WATCHDOG=1']);
      }, every);
      timer.unref();
      log.debug({ everyMs: every }, 'systemd watchdog pings started');
    },
    stopWatchdog() {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}

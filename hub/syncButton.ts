import type { SyncButtonConfig } from '../common/config';
import type { DB } from '../common/database';
import type { GpioProvider, InputPin } from '../common/gpio';
import type { Logger } from '../common/logger';
import type { AuditLog } from '../common/auditLog';
import { openPairingWindow, type PairingWindow } from './pairing';

/*
 * The hub's "sync" button on a GPIO input: a press opens a pairing window exactly as the
 * web UI's button does (same window, same `pairing.opened` audit entry, actor
 * `sync-button`). The one-time code goes to the hub log for the installer to read.
 *
 * A press is the button going down after having been up: the line's debounce drops bounce
 * and blips shorter than debounceMs, a button held down opens one window only, and a
 * button already down when the hub starts (stuck, or activeLow the wrong way round) opens
 * nothing until it has been released once.
 */

export const SYNC_BUTTON_ACTOR = 'sync-button';

export interface ButtonPairingDeps {
  db: DB;
  audit: AuditLog;
  log: Logger;
  windowMs: number;
  now: () => number;
}

/** Opens a pairing window for a sync-button press: audited, and its code logged for the installer. */
export async function openPairingFromButton({ db, audit, log, windowMs, now }: ButtonPairingDeps): Promise<PairingWindow> {
  const at = now();
  const window = await openPairingWindow(db, windowMs, at);
  audit.append({ actor: SYNC_BUTTON_ACTOR, action: 'pairing.opened', detail: { expiresAt: window.expiresAt } }, at);
  // The code is in the message on purpose: the logger would hide a field named for it
  // (`pairingCode`), and the log is where the installer, who pressed the button, reads it.
  log.info(
    { by: SYNC_BUTTON_ACTOR, expiresAt: window.expiresAt },
    `pairing window opened by the sync button: pairing code ${window.code}, valid until ${new Date(window.expiresAt).toISOString()}`,
  );
  return window;
}

export class SyncButton {
  private pin: InputPin | null = null;
  /** The button has been seen up since the last press (or since start). */
  private released = false;

  constructor(
    private readonly gpio: GpioProvider,
    private readonly settings: SyncButtonConfig,
    private readonly onPress: () => Promise<unknown>,
    private readonly log: Logger,
  ) {}

  start(): void {
    const { line, activeLow, debounceMs } = this.settings;
    const pin = this.gpio.input({ line, activeLow, debounceMs, label: 'sync button' });
    this.pin = pin;
    pin.watch((value) => this.changed(value === 1));
    this.released = pin.read() === 0;
    if (!this.released) {
      this.log.warn({ line, activeLow }, 'the sync button reads as pressed at start: release it to use it (or check gpio.syncButton.activeLow)');
    }
    this.log.info({ line, activeLow, debounceMs, gpio: this.gpio.kind }, 'sync button ready: a press opens a pairing window');
  }

  stop(): void {
    this.pin?.close();
    this.pin = null;
  }

  private changed(down: boolean): void {
    if (!down) {
      this.released = true;
      return;
    }
    if (!this.released) return;
    this.released = false;
    this.onPress().catch((err: unknown) => {
      this.log.error({ err: (err as Error).message }, 'sync button press could not open a pairing window');
    });
  }
}

import { EventEmitter } from 'node:events';

/*
 * Someone's right to see footage may have just ended: a session was signed out or revoked, a
 * role, a grant or a 2FA setting changed, an account or a camera was removed. Whatever holds
 * footage open for a person (live view) listens and checks again at once, instead of finding
 * out on its next periodic check. The change carries whom it may concern, not a verdict: the
 * listener asks the same rules it asked when the viewer started.
 */

export type AccessChange =
  /** One account: its sessions, role, grants or 2FA. */
  | { userId: number }
  /** One camera: revoked or removed. */
  | { deviceId: string }
  /** Every account: a household rule (e.g. "require 2FA") changed. */
  | { everyone: true };

export class AccessChanges extends EventEmitter {
  /** Tells every listener; call it after the change is stored, so a check sees it. */
  changed(change: AccessChange): void {
    this.emit('change', change);
  }
}

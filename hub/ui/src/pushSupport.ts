/*
 * Whether this browser can be told of motion by push, and if not, what to do about it, in
 * words for the Notifications panel. No DOM: what the browser offers is passed in, so each
 * case (iOS outside the home screen, a page not trusted, a permission refused) is unit-tested.
 */

import { isIos } from './browserName';

export interface PushEnvironment {
  /** window.isSecureContext: HTTPS with a certificate the browser trusts (or localhost). */
  secure: boolean;
  serviceWorker: boolean;
  /** 'PushManager' in window and 'Notification' in window. */
  push: boolean;
  /** Notification.permission. */
  permission: 'default' | 'granted' | 'denied';
  userAgent: string;
  maxTouchPoints: number;
  /** Opened from the home screen (display-mode: standalone, or iOS's navigator.standalone). */
  standalone: boolean;
}

/** Why this browser cannot receive notifications, as a sentence with the way out; null: it can. */
export function pushProblem(env: PushEnvironment): string | null {
  const ios = isIos(env.userAgent, env.maxTouchPoints);
  if (!env.secure) {
    return "This page is not opened over a connection the browser trusts, and browsers allow notifications only on one that is. Install the hub's certificate on this device (the System page has it, with the steps), then open the hub's https:// address again.";
  }
  if (ios && !env.standalone) {
    return 'On iPhone and iPad, notifications work only in the app added to the Home Screen: in Safari, tap Share, then "Add to Home Screen", open Porchlight from there and come back to this page (iOS 16.4 or later).';
  }
  if (!env.serviceWorker || !env.push) {
    return ios
      ? 'This iPhone or iPad cannot receive web notifications: it needs iOS 16.4 or later, with Porchlight opened from the Home Screen.'
      : 'This browser cannot receive web notifications. A current Chrome, Edge, Firefox or Safari can.';
  }
  if (env.permission === 'denied') {
    if (ios) return 'Notifications for Porchlight are turned off: in the Settings app, open Notifications, then Porchlight, and allow them; then come back here.';
    if (/Android/.test(env.userAgent)) return "Notifications for this site are blocked: tap the lock or settings icon next to the address (or long-press the app's icon, then App info), allow notifications, then come back here.";
    return "Notifications for this site are blocked: click the lock or settings icon next to the address, allow notifications for this site, then reload this page.";
  }
  return null;
}

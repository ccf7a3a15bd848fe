import type { DeepLink } from './deepLink';
import type { Role } from './session';

/** One page of the UI: a nav entry, its section, and what runs when it is shown or hidden. */
export interface Page {
  /** Nav button `data-view`, section id `${view}-view`, address `#/${view}`. */
  view: string;
  label: string;
  /** Who sees it in the nav and may open it. */
  roles: readonly Role[];
  /** Built once by the page module; its h2 (tabindex -1) comes first and gets focus. */
  section: HTMLElement;
  /** Shown: load data, start polling or streams; `link`: the camera or moment the address names (a notification's link). */
  enter(link?: DeepLink): void;
  /** Hidden: stop streams and timers, pause media. */
  leave?(): void;
}

/**
 * A screen shown instead of sign-in while `wanted()` says so (first-run setup). The first
 * one that wants the screen gets it.
 */
export interface Takeover {
  section: HTMLElement;
  wanted(): Promise<boolean>;
  enter(): void;
}

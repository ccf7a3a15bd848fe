import type { Page, Takeover } from './page';
import { camerasPage } from './pages/cameras';
import { clipsPage } from './pages/clips';
import { householdPage } from './pages/household';
import { securityPage } from './pages/security';

/** The nav, in order; a signed-in user lands on the first page their role may open. */
export const pages: Page[] = [clipsPage, camerasPage, securityPage, householdPage];

/** Screens that replace sign-in while they want to (checked in order at start-up). */
export const takeovers: Takeover[] = [];

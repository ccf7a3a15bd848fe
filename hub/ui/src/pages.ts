import type { Page, Takeover } from './page';
import { camerasPage } from './pages/cameras';
import { dashboardPage } from './pages/dashboard';
import { timelinePage } from './pages/timeline';
import { livePage } from './pages/live';
import { householdPage } from './pages/household';
import { securityPage } from './pages/security';
import { schedulesPage } from './pages/schedules';
import { geofencePage } from './pages/geofence';
import { systemPage } from './pages/system';
import { remotePage } from './pages/remote';
import { setupTakeover } from './pages/setup';

/** The nav, in order; a signed-in user lands on the first page their role may open. */
export const pages: Page[] = [dashboardPage, livePage, timelinePage, camerasPage, schedulesPage, geofencePage, securityPage, householdPage, remotePage, systemPage];

/** Screens that replace sign-in while they want to (checked in order at start-up). */
export const takeovers: Takeover[] = [setupTakeover];

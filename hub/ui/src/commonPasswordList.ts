import { test } from 'fxa-common-password-list';

/*
 * Mozilla's list of common passwords (fxa-common-password-list, the list the hub's console
 * paths use), built as its own module beside the page (scripts/build-ui.mjs) and loaded only
 * when someone chooses a new password: about 100 KB gzipped, too much for every page load.
 */

export const isOnCommonList: (password: string) => boolean = test;

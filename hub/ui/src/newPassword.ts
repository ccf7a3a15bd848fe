import { commonPasswordCheck, passwordProblem } from '../../../common/passwordRules';

/*
 * The rules for a new password, checked in this page before its OPAQUE record is made: the hub
 * never sees the password, so it cannot check it itself. The common-password list is a
 * separate module (commonPasswordList.ts), fetched the first time a new password is chosen
 * and cached by the browser after that; without it no new password is accepted.
 */

/** Where the build put the list's module, with its content hash so a cached copy is always the right one. */
declare const PORCHLIGHT_COMMON_PASSWORDS_URL: string;

let list: Promise<(password: string) => boolean> | undefined;

function commonList(): Promise<(password: string) => boolean> {
  list ??= (import(/* the list's own module, not bundled */ PORCHLIGHT_COMMON_PASSWORDS_URL) as Promise<{ isOnCommonList: (password: string) => boolean }>).then(
    (m) => commonPasswordCheck(m.isOnCommonList),
    () => {
      list = undefined;
      throw new Error('the list of common passwords could not be loaded to check the new password: check the connection to the hub and try again');
    },
  );
  return list;
}

/** Starts fetching the list early (when a new-password field gets focus), so checking is instant by the time the form is sent. */
export function preloadCommonPasswords(): void {
  commonList().catch(() => undefined);
}

/** Fetches the list while someone fills in `field`. */
export function preloadOnFocus(...fields: HTMLElement[]): void {
  for (const f of fields) f.addEventListener('focus', preloadCommonPasswords, { once: true });
}

/** What is wrong with `password` as a new password (null if nothing), the common-password list included. */
export async function newPasswordProblem(password: string, context: { username?: string; email?: string } = {}): Promise<string | null> {
  // The quick rules first: a short password is refused without waiting for the list.
  return passwordProblem(password, context) ?? passwordProblem(password, context, await commonList());
}

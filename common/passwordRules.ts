/*
 * What a new password must not be. The UI checks these rules before it makes the OPAQUE record
 * (the hub never sees the new password, so it cannot check them itself); the CLI and the
 * hub's own account creation check them too, with Mozilla's common-password list, which is too
 * large for the page.
 */

export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 256;
/** Names and email local parts shorter than this are not looked for inside passwords. */
const MIN_PERSONAL_LENGTH = 4;

/**
 * Returns a sentence saying what is wrong with a new password, or null if it is acceptable.
 * `context` names the account, so a password built from its user name or email is refused;
 * `isCommon` says whether a password is on a list of common passwords, where one is at hand.
 */
export function passwordProblem(
  password: string,
  context: { username?: string; email?: string } = {},
  isCommon: (password: string) => boolean = () => false,
): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) return `the password must have at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > MAX_PASSWORD_LENGTH) return `the password must have at most ${MAX_PASSWORD_LENGTH} characters`;
  if (/^(.)\1*$/su.test(password)) return 'this password repeats a single character; choose another';
  if (isCommon(password)) return 'this password is one of the most common passwords; choose another';
  const lower = password.toLowerCase();
  const username = context.username?.trim().toLowerCase();
  if (username && username.length >= MIN_PERSONAL_LENGTH && lower.includes(username)) {
    return 'this password contains your user name; choose another';
  }
  const email = context.email?.trim().toLowerCase();
  const at = email ? email.lastIndexOf('@') : -1;
  const local = email && at > 0 ? email.slice(0, at) : email;
  if (local && local.length >= MIN_PERSONAL_LENGTH && lower.includes(local)) {
    return 'this password contains your email address; choose another';
  }
  return null;
}

/** `isOnList` as the rules use it: a password counts as common when it or its lower-case form is on the list. */
export function commonPasswordCheck(isOnList: (password: string) => boolean): (password: string) => boolean {
  return (password) => isOnList(password) || isOnList(password.toLowerCase());
}

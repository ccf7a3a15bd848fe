/**
 * What pages may ask of the shell (main.ts fills these in at start-up, which keeps pages
 * from importing main.ts and the import graph acyclic).
 */
export const shell = {
  /** Forget the signed-in user and show sign-in, with `message` there. */
  signedOut: (_message: string): void => undefined,
  /** Ask the hub who is signed in again and re-route (after 2FA or role changes). */
  refreshSession: async (): Promise<void> => undefined,
};

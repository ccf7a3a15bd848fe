/*
 * The passphrase rule the hub checks and the web UI shows, in a file of its own so the UI
 * bundle takes the number without the schemas' library.
 */

/** Shortest passphrase the footage key is wrapped with (Argon2id makes each guess slow; length makes them many). */
export const FOOTAGE_PASSPHRASE_MIN = 12;

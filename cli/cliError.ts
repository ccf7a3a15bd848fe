/** A refusal the user can fix; bin/porchlight.js prints its message and exits 1. */
export class CliError extends Error {}

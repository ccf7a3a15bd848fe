/** A clip the hub refuses to store, cannot find or cannot play: an HTTP status and code with a message for the person. */
export class ClipStoreError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

import { Type, type Static } from '@sinclair/typebox';

/* The JSON messages of a live-view WebSocket; the video itself comes as binary messages. */

export const LiveRefusalSchema = Type.Object({ code: Type.String(), message: Type.String() });
export type LiveRefusal = Static<typeof LiveRefusalSchema>;

export const LiveMessageSchema = Type.Union([
  /** Binary frames follow: an init segment, then fragments, playable with this MIME type. */
  Type.Object({ type: Type.Literal('stream'), mime: Type.String() }),
  /** Live view ends, and why (a lower-case clause the page makes a sentence of). */
  Type.Object({ type: Type.Literal('error'), code: Type.String(), message: Type.String() }),
]);
export type LiveMessage = Static<typeof LiveMessageSchema>;

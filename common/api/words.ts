/*
 * How a person names each request field ("the radius"), kept beside the field in its schema:
 * the hub's refusals are clauses about fields in these words (hub/requestErrors.ts). A field
 * without words is spelled out from its name.
 */

export const WORDS_KEYWORD = 'x-words';

/** Schema options naming a field in words: `Type.Number({ ...said('the radius'), minimum: 25 })`. */
export function said(words: string): { [WORDS_KEYWORD]: string } {
  return { [WORDS_KEYWORD]: words };
}

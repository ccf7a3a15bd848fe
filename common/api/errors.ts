import { Type, type Static } from '@sinclair/typebox';

/* How every refusal of the API reads: a machine name and a clause a person can act on. */

export const ApiErrorSchema = Type.Object({
  error: Type.Object(
    {
      code: Type.String(),
      message: Type.String(),
    },
    // Some refusals say more: the field at fault, the version now stored, when to retry.
    { additionalProperties: true },
  ),
});
export type ApiErrorBody = Static<typeof ApiErrorSchema>;

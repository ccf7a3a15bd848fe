import { Type, type Static } from '@sinclair/typebox';
import { said } from './words';

/*
 * Where the relay copies the encrypted clips, as the owner chooses it in the web UI (first-run
 * setup or the System page). The S3 secret goes in, never out: answers only say whether one
 * is stored.
 */

export const CloudTargetBody = Type.Object(
  {
    /** `config`: forget the choice made here; the config file's target (or the default folder) applies. */
    type: Type.Union([Type.Literal('directory'), Type.Literal('s3'), Type.Literal('config')], said('the kind of backup')),
    path: Type.Optional(Type.String({ ...said('the folder'), maxLength: 1024 })),
    endpoint: Type.Optional(Type.Union([Type.String({ maxLength: 512 }), Type.Null()], said('the endpoint address'))),
    region: Type.Optional(Type.String({ ...said('the region'), maxLength: 64 })),
    bucket: Type.Optional(Type.String({ ...said('the bucket name'), maxLength: 63 })),
    prefix: Type.Optional(Type.String({ ...said('the prefix'), maxLength: 200 })),
    forcePathStyle: Type.Optional(Type.Boolean(said('the path-style choice'))),
    accessKeyId: Type.Optional(Type.String({ ...said('the access key ID'), maxLength: 128 })),
    secretAccessKey: Type.Optional(Type.String({ ...said('the secret key'), maxLength: 256 })),
  },
  { additionalProperties: false },
);
export type CloudTargetChange = Static<typeof CloudTargetBody>;

export const CloudTargetViewSchema = Type.Object({
  /** Chosen here (`ui`), in the config file, or the default folder. */
  source: Type.Union([Type.Literal('ui'), Type.Literal('config'), Type.Literal('default')]),
  target: Type.Union([
    Type.Object({ type: Type.Literal('directory'), path: Type.String() }),
    Type.Object({
      type: Type.Literal('s3'),
      endpoint: Type.Union([Type.String(), Type.Null()]),
      region: Type.String(),
      bucket: Type.String(),
      prefix: Type.String(),
      forcePathStyle: Type.Boolean(),
      /** Null when the target comes from the config file (its key stays in its credentials file). */
      accessKeyId: Type.Union([Type.String(), Type.Null()]),
      secretSet: Type.Boolean(),
    }),
  ]),
});
/** The target in effect, with no secret in it. */
export type CloudTargetView = Static<typeof CloudTargetViewSchema>;

export const CheckOutcomeSchema = Type.Union([
  Type.Literal('ok'),
  Type.Literal('bucket_missing'),
  Type.Literal('credentials_refused'),
  Type.Literal('access_denied'),
  Type.Literal('wrong_region'),
  Type.Literal('unreachable'),
  Type.Literal('host_unknown'),
  Type.Literal('timed_out'),
  Type.Literal('not_writable'),
  Type.Literal('read_only'),
  Type.Literal('full'),
  Type.Literal('failed'),
]);
export type CheckOutcome = Static<typeof CheckOutcomeSchema>;

export const CheckResultSchema = Type.Object({
  ok: Type.Boolean(),
  outcome: CheckOutcomeSchema,
  /** A lower-case clause; the UI makes it a sentence. */
  message: Type.String(),
});
/** What "Test connection" found. */
export type CheckResult = Static<typeof CheckResultSchema>;

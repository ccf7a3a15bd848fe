import { CheckResultSchema, CloudTargetBody, CloudTargetViewSchema, type CloudTargetChange, type CloudTargetView } from '../../common/api/cloudTarget';
import type { RelayTarget } from '../../common/config';
import { checkFolderForRelay, relayIdsOf } from '../../common/cloud/relayFolderAccess';
import { checkTarget, describeCheckFailure, type CheckResult } from '../../common/cloud/targetCheck';
import {
  clearTargetChoice,
  cloudCredentialsPath,
  effectiveTarget,
  choiceAsTarget,
  hasSecretFor,
  normalizeChoice,
  readTargetChoice,
  saveTargetChoice,
  secretFor,
  targetProblem,
  type TargetInput,
} from '../../common/cloud/targetChoice';
import { createTarget } from '../../common/cloud/targets';
import { HttpError } from '../httpError';
import { type HubServices, type RouteDef, route, auditor } from '../routeTable';

/*
 * Where the relay copies the encrypted clips, chosen by the owner in the web UI (first-run
 * setup or the System page): a folder or an S3 bucket. The S3 secret goes in, never out:
 * answers only say whether one is stored. "Test connection" runs the same round trip as
 * `porchlight cloud test` on the settings as typed, before they are saved.
 */

/** A connection test gives up after this long: the owner is waiting at the screen. */
const TEST_TIMEOUT_MS = 20_000;

function refuse(code: string, message: string): never {
  throw new HttpError(400, code, message);
}

/** The body as a choice, or a 400 naming what is missing or wrong. */
function inputOf(body: CloudTargetChange): TargetInput {
  const input: TargetInput =
    body.type === 'directory'
      ? { type: 'directory', path: body.path ?? '' }
      : {
          type: 's3',
          endpoint: body.endpoint ?? null,
          region: body.region,
          bucket: body.bucket ?? '',
          prefix: body.prefix,
          forcePathStyle: body.forcePathStyle,
          accessKeyId: body.accessKeyId ?? '',
          // An empty field means "keep the stored secret", as a password field left blank does.
          secretAccessKey: body.secretAccessKey || undefined,
        };
  const problem = targetProblem(input);
  if (problem) refuse('BAD_TARGET', problem);
  return input;
}

export function cloudTargetRoutes(svc: HubServices): RouteDef[] {
  const owner = { kind: 'user', roles: ['owner'] } as const;
  const config = svc.wholeConfig;
  const dataDir = config.dataDir;
  const audit = auditor(svc);

  /** What the owner sees: the target in effect and where it comes from, with no secret in it. */
  const describe = (): CloudTargetView => {
    const { target, source } = effectiveTarget(config, svc.db, dataDir);
    const chosen = readTargetChoice(svc.db);
    const shown =
      target.type === 'directory'
        ? { type: 'directory' as const, path: target.path }
        : {
            type: 's3' as const,
            endpoint: target.endpoint ?? null,
            region: target.region,
            bucket: target.bucket,
            prefix: target.prefix,
            forcePathStyle: target.forcePathStyle,
            accessKeyId: chosen?.type === 's3' ? chosen.accessKeyId : null,
            secretSet: chosen?.type === 's3' ? hasSecretFor(dataDir, chosen.accessKeyId) : Boolean(target.credentialsFile),
          };
    return { source, target: shown };
  };

  /** The target to test: the body's choice (its secret, or the stored one for the same key), or the config file's. */
  const testTarget = (body: CloudTargetChange): { target: RelayTarget; credentials?: { accessKeyId: string; secretAccessKey: string } } => {
    if (body.type === 'config') {
      const { target } = effectiveTarget(config, null, dataDir);
      return { target };
    }
    const input = inputOf(body);
    const choice = normalizeChoice(input);
    if (input.type === 'directory' || choice.type === 'directory') return { target: choiceAsTarget(choice, '') };
    const secret = secretFor(dataDir, input);
    if (secret === null) refuse('NO_SECRET', 'enter the secret key that goes with this access key');
    const { credentialsFile: _file, ...target } = choiceAsTarget(choice, '') as Extract<RelayTarget, { type: 's3' }>;
    return { target, credentials: { accessKeyId: choice.accessKeyId, secretAccessKey: secret } };
  };

  return [
    route({
      method: 'GET',
      url: '/api/cloud/target',
      access: owner,
      summary: 'Where the relay copies the encrypted clips, and whether that was chosen here, in the config file, or is the default folder',
      schema: { response: { 200: CloudTargetViewSchema } },
      handler: async () => describe(),
    }),
    route({
      method: 'PUT',
      url: '/api/cloud/target',
      access: owner,
      summary: 'Choose the upload target: a folder or an S3 bucket (or "config" to use the config file again); the relay follows within seconds',
      schema: { body: CloudTargetBody, response: { 200: CloudTargetViewSchema } },
      handler: async (req) => {
        const body = req.body;
        if (body.type === 'config') {
          await clearTargetChoice(svc.db, dataDir);
          audit(req, 'cloud.target_changed', { detail: { type: 'config' } });
          return describe();
        }
        const input = inputOf(body);
        const choice = normalizeChoice(input);
        let secret: string | null = null;
        if (input.type === 's3') {
          secret = secretFor(dataDir, input);
          if (secret === null) refuse('NO_SECRET', 'enter the secret key that goes with this access key');
        }
        await saveTargetChoice(svc.db, dataDir, choice, secret);
        const detail = choice.type === 'directory' ? { type: 'directory', path: choice.path } : { type: 's3', endpoint: choice.endpoint, bucket: choice.bucket, region: choice.region };
        audit(req, 'cloud.target_changed', { detail });
        svc.log.info({ ...detail, credentials: choice.type === 's3' ? cloudCredentialsPath(dataDir) : undefined }, 'the owner changed the upload target');
        return describe();
      },
    }),
    route({
      method: 'POST',
      url: '/api/cloud/test',
      access: owner,
      summary: 'Test an upload target before saving it: reach it, write, verify and delete a small file; answers what is wrong in plain words',
      schema: { body: CloudTargetBody, response: { 200: CheckResultSchema } },
      rateLimit: 'pairing',
      handler: async (req) => {
        const body = req.body;
        const { target, credentials } = testTarget(body);
        const relay = svc.relayAccount?.() ?? null;
        if (target.type === 'directory' && relay && relay.uid !== process.getuid?.()) {
          // The relay, not the hub, writes there: judge the folder for the relay's user and create nothing (a folder made here would be the hub's).
          let result: CheckResult;
          try {
            result = await checkFolderForRelay(target.path, relayIdsOf(relay), relay.groups[0] ?? String(relay.gid));
          } catch (err) {
            result = describeCheckFailure(err, target);
          }
          audit(req, 'cloud.target_tested', { detail: { type: target.type, ok: result.ok, outcome: result.outcome } });
          return result;
        }
        let opened;
        try {
          opened = createTarget(config, target, credentials);
        } catch (err) {
          return { ok: false, outcome: 'failed', message: (err as Error).message } satisfies CheckResult;
        }
        let timer: NodeJS.Timeout | undefined;
        try {
          const timeout = new Promise<CheckResult>((resolve) => {
            timer = setTimeout(
              () => resolve({ ok: false, outcome: 'timed_out', message: 'the storage did not answer within 20 seconds: check the address and the network' }),
              TEST_TIMEOUT_MS,
            );
          });
          const result = await Promise.race([checkTarget(opened, target, svc.now()), timeout]);
          audit(req, 'cloud.target_tested', { detail: { type: target.type, ok: result.ok, outcome: result.outcome } });
          return result;
        } finally {
          clearTimeout(timer);
          opened.close();
        }
      },
    }),
  ];
}

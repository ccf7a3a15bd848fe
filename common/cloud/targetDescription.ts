import * as path from 'node:path';
import type { RelayTarget } from '../config';
import { maskUrlCredentials } from '../urlCredentials';

/**
 * How a target is named in logs and on the System page. Pure, so a target that cannot be
 * opened (its credentials file unreadable) is still named as configured, not "no target".
 */
export function describeRelayTarget(t: RelayTarget): string {
  if (t.type === 'directory') return `folder ${path.resolve(t.path)}`;
  // An endpoint with credentials in it is refused as a mistake, but it is still named in the log
  // and on the System page: never with them.
  return `s3://${t.bucket}/${t.prefix}${t.endpoint ? ` at ${maskUrlCredentials(t.endpoint)}` : ''}`;
}

import type { ApiErrorBody } from '../../../common/api/errors';
import { session } from './session';

/** A refusal or failure from the hub: `message` is the hub's clause, `code` its machine name. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** What a refusal says, read defensively: a proxy or a crash may answer with something else. */
type ErrorBody = { error?: Partial<ApiErrorBody['error']> };

/** One JSON call to the hub with the session's CSRF token; throws ApiError on any refusal. */
export async function api<T>(method: string, url: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-csrf-token'] = session.csrf;
  let res: Response;
  try {
    res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  } catch {
    throw new ApiError('the hub could not be reached: check your connection and try again', 'NETWORK', 0);
  }
  const data = (await res.json().catch(() => ({}))) as unknown;
  if (!res.ok) {
    const e = (data as ErrorBody).error ?? {};
    throw new ApiError(e.message ?? `the request failed (HTTP ${res.status})`, e.code ?? '', res.status);
  }
  return data as T;
}

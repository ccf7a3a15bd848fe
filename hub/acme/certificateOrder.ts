import { Agent as HttpsAgent } from 'node:https';
import * as acme from 'acme-client';
import type { AcmeConfig } from '../../common/config';
import { runDnsHook } from './dnsHook';
import type { Http01Responder } from './http01Responder';

/*
 * One certificate order (RFC 8555) through acme-client: register or find the account, prove
 * each name with the configured challenge, send a CSR for a fresh key, fetch the chain.
 * acme-client's own pre-check of the challenge is skipped: it fetches the hub's name from the
 * hub itself (which a home router often cannot loop back) or asks the local resolver (which
 * may cache); the ACME server's own check is the one that counts, and its error is reported.
 */

export interface IssuedCertificate {
  /** The leaf first, then the intermediates: what the hub serves. */
  certPem: string;
  keyPem: string;
}

export interface OrderDeps {
  accountKey: string;
  http01: Http01Responder;
  /** The ACME directory's CA (hub.acme.caFile), for a private ACME server or tests. */
  caPem?: string;
}

/** Sets acme-client's HTTP client to trust `caPem` (it has one client per process). */
function trustDirectoryCa(caPem: string | undefined): void {
  acme.axios.defaults.httpsAgent = caPem ? new HttpsAgent({ ca: caPem }) : undefined;
}

/**
 * The account of this key: found when it exists (a renewal), else registered. acme-client's
 * own registration would send an existing account an update with nothing to change, which
 * RFC 8555 servers such as Pebble refuse.
 */
async function findOrRegisterAccount(client: acme.Client, email: string | undefined): Promise<void> {
  try {
    await client.createAccount({ onlyReturnExisting: true });
  } catch {
    // Enabling hub.acme is the owner's agreement to the CA's terms; docs/phone.md says so.
    await client.createAccount({ termsOfServiceAgreed: true, ...(email ? { contact: [`mailto:${email}`] } : {}) });
  }
}

export async function orderCertificate(config: AcmeConfig, deps: OrderDeps): Promise<IssuedCertificate> {
  trustDirectoryCa(deps.caPem);
  const client = new acme.Client({ directoryUrl: config.directoryUrl, accountKey: deps.accountKey });
  const [keyBuf, csr] = await acme.crypto.createCsr({ commonName: config.domains[0], altNames: config.domains }, await acme.crypto.createPrivateEcdsaKey('P-256'));
  const timeoutMs = config.dnsHookTimeoutSeconds * 1000;
  await findOrRegisterAccount(client, config.email);
  // The client knows its account now, so auto() goes straight to the order.
  const certPem = await client.auto({
    csr,
    skipChallengeVerification: true,
    challengePriority: [config.challenge],
    challengeCreateFn: async (authz, challenge, keyAuthorization) => {
      if (challenge.type === 'http-01') return deps.http01.present(challenge.token, keyAuthorization);
      if (challenge.type === 'dns-01') return runDnsHook(config.dnsHook!, 'set', authz.identifier.value, keyAuthorization, timeoutMs);
      throw new Error(`the ACME server offered ${(challenge as { type: string }).type} for ${authz.identifier.value}, not ${config.challenge}`);
    },
    challengeRemoveFn: async (authz, challenge, keyAuthorization) => {
      if (challenge.type === 'http-01') return deps.http01.remove(challenge.token);
      if (challenge.type === 'dns-01') return runDnsHook(config.dnsHook!, 'clear', authz.identifier.value, keyAuthorization, timeoutMs);
    },
  });
  return { certPem, keyPem: keyBuf.toString() };
}

import type { FastifyRequest } from 'fastify';
import type { TLSSocket } from 'node:tls';
import { cameraProofMatches, pairingKeys, signPairing } from '../../common/pairingBinding';
import { PairAbandonRequestSchema, PairFinishRequestSchema, PairStartRequestSchema, PairStartResponseSchema, SignedPairingSchema } from '../../common/protocol';
import { HttpError } from '../httpError';
import { issuePairedDevice, PairingError, startPairingExchange, verifyPairingExchange, wrongCode } from '../pairing';
import { PairingExchanges } from '../pairingExchanges';
import { noticePairingLockout } from '../pairingLockoutNotice';
import { type HubServices, type RouteDef, route } from '../routeTable';

/*
 * The camera's side of pairing: an OPAQUE exchange with the open window's code as the
 * password (docs/cameras.md, "How the code is checked"). Public routes: the code is the
 * credential, proven without being sent. Opening windows is in deviceRoutes.ts.
 */

export function pairingRoutes(svc: HubServices): RouteDef[] {
  const { db, log } = svc;
  const exchanges = new PairingExchanges(svc.now);
  const noExchange = () => new PairingError('no such pairing exchange (it expired or was used): start again', 'no-window');
  /** A refused pairing step, audited and logged (the reason only: never a code or key), as the HTTP error to send. */
  const pairingRefusal = async (req: FastifyRequest, err: unknown): Promise<unknown> => {
    const reason = err instanceof PairingError ? err.reason : err instanceof HttpError && err.code === 'PAIRING_INTERCEPTED' ? 'intercepted' : null;
    if (!reason) return err;
    svc.audit.append({ actor: `ip:${req.ip}`, action: 'pairing.refused', ip: req.ip, detail: { reason } }, svc.now());
    log.warn({ reason, ip: req.ip }, 'pairing refused');
    if (err instanceof HttpError) return err;
    const pairing = err as PairingError;
    const status = pairing.reason === 'bad-name' || pairing.reason === 'bad-message' ? 400 : 403;
    return new HttpError(status, `PAIRING_${pairing.reason.toUpperCase().replace('-', '_')}`, pairing.message);
  };

  return [
    route({
      method: 'POST',
      url: '/api/pair',
      access: { kind: 'public' },
      summary: 'The old one-request pairing (the code in the body): refused, see /api/pair/start',
      handler: async () => {
        // Refused rather than kept beside the new routes: it sent the code to whoever answered.
        throw new HttpError(
          410,
          'PAIRING_PROTOCOL_CHANGED',
          'this hub pairs cameras with OPAQUE (POST /api/pair/start, then /api/pair/finish) so the code never crosses the network: update the camera agent',
        );
      },
    }),
    route({
      method: 'POST',
      url: '/api/pair/start',
      access: { kind: 'public' },
      summary: "A camera starts pairing: OPAQUE KE1 for the open window's code; answers KE2 (counts as one of the window's attempts)",
      schema: { body: PairStartRequestSchema, response: { 200: PairStartResponseSchema } },
      rateLimit: 'pairing',
      handler: async (req) => {
        try {
          const started = startPairingExchange(db, req.body.ke1, svc.now());
          if (started.closedWindow) await noticePairingLockout(svc, req.ip);
          return { exchangeId: exchanges.add(started.exchange), ke2: started.ke2 };
        } catch (err) {
          throw await pairingRefusal(req, err);
        }
      },
    }),
    route({
      method: 'POST',
      url: '/api/pair/abandon',
      access: { kind: 'public' },
      summary: "A camera whose code the hub's answer did not match gives up its exchange (a wrong code)",
      schema: { body: PairAbandonRequestSchema },
      handler: async (req) => {
        const exchange = exchanges.take(req.body.exchangeId);
        throw await pairingRefusal(req, exchange ? wrongCode(exchange) : noExchange());
      },
    }),
    route({
      method: 'POST',
      url: '/api/pair/finish',
      access: { kind: 'public' },
      summary: 'A camera finishes pairing with OPAQUE KE3 and its name; answers its device id, token, CA and footage key, bound to the exchange',
      schema: { body: PairFinishRequestSchema, response: { 200: SignedPairingSchema } },
      handler: async (req) => {
        const body = req.body;
        try {
          const exchange = exchanges.take(body.exchangeId);
          if (!exchange) throw noExchange();
          const keys = pairingKeys(verifyPairingExchange(exchange, body.ke3));
          // KE3 proved the code, so a proof that does not match means the name or fingerprint was changed on the way.
          if (!cameraProofMatches(keys, body.exchangeId, body.name, body.tlsFingerprint, body.proof)) {
            throw new HttpError(403, 'PAIRING_INTERCEPTED', "the camera's name or certificate fingerprint was changed on the way to the hub: something between them terminates TLS; not paired");
          }
          // The certificate the camera was served must be the one this hub served it: a proxy
          // that terminates TLS in between has to show its own, and the camera's proof binds the
          // fingerprint it saw, so the proxy can neither hide that nor fake it.
          const served = (req.raw.socket as TLSSocket).getX509Certificate?.();
          if (!served || served.fingerprint256 !== body.tlsFingerprint) {
            throw new HttpError(403, 'PAIRING_INTERCEPTED', 'the camera was served a TLS certificate this hub did not serve: something between them terminates TLS; not paired');
          }
          const paired = issuePairedDevice(db, exchange, body.name, svc.now());
          svc.audit.append(
            { actor: `ip:${req.ip}`, action: paired.reprovisioned ? 'device.reprovisioned' : 'device.paired', target: `device:${paired.deviceId}`, ip: req.ip, detail: { name: paired.name } },
            svc.now(),
          );
          log.info({ deviceId: paired.deviceId, name: paired.name, reprovisioned: paired.reprovisioned }, 'device paired');
          // The new camera joins the home's arming now: in an armed home it records from its first motion, not from the next evaluation.
          svc.arming.evaluate();
          return signPairing(
            keys,
            {
              exchangeId: body.exchangeId,
              deviceId: paired.deviceId,
              name: paired.name,
              caPem: svc.tls.local.caPem,
              caFingerprint: svc.tls.local.caFingerprint,
              footagePublicKey: Buffer.from(svc.footagePublicKey).toString('base64'),
              tlsFingerprint: body.tlsFingerprint,
            },
            paired.token,
          );
        } catch (err) {
          throw await pairingRefusal(req, err);
        }
      },
    }),
  ];
}

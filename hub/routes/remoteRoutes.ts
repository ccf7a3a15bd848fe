import QRCode from 'qrcode';
import { NewRemotePeerSchema, RemoteAddBody, RemotePeerParams, RemoteSetupBody, RemoteStateSchema, type RemoteState } from '../../common/api/remote';
import { HttpError } from '../httpError';
import { addRemotePeer, listRemotePeers, remoteSettings, RemoteAccessError, revokeRemotePeer, setupRemote } from '../remoteAccess';
import { type HubServices, type RouteDef, route, auditor, actorOf } from '../routeTable';
import { WireGuardToolsError } from '../wireguardTools';

/*
 * The Remote access page (owners): the hub's WireGuard endpoint, and the phones and laptops
 * that reach it from away (docs/remote.md). A new peer's config carries its private key: it is
 * in this one answer (never cached) and kept nowhere.
 */

const STATUS: Record<RemoteAccessError['code'], number> = { NOT_SET_UP: 409, BAD_INPUT: 400, NAME_TAKEN: 409, SUBNET_FULL: 409, NO_SUCH_PEER: 404 };

async function answering<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof RemoteAccessError) throw new HttpError(STATUS[err.code], err.code, err.message);
    if (err instanceof WireGuardToolsError) throw new HttpError(503, 'WIREGUARD_TOOLS', err.message);
    throw err;
  }
}

export function remoteRoutes(svc: HubServices): RouteDef[] {
  const audit = auditor(svc);
  const owner = { kind: 'user', roles: ['owner'] } as const;
  const dataDir = svc.wholeConfig.dataDir;
  const state = async (): Promise<RemoteState> => ({ settings: await remoteSettings(svc.db, dataDir), peers: listRemotePeers(svc.db) });

  return [
    route({
      method: 'GET',
      url: '/api/remote',
      access: owner,
      summary: "Remote access: the hub's WireGuard endpoint (null until set up) and its peers",
      schema: { response: { 200: RemoteStateSchema } },
      handler: () => answering(state),
    }),
    route({
      method: 'PUT',
      url: '/api/remote',
      access: owner,
      summary: "Set up the hub's WireGuard endpoint, or change its public name and port (the tunnel subnet is chosen once)",
      schema: { body: RemoteSetupBody, response: { 200: RemoteStateSchema } },
      handler: (req) =>
        answering(async () => {
          const s = await setupRemote(svc.db, dataDir, { endpoint: req.body.endpoint, listenPort: req.body.listenPort });
          audit(req, 'remote.setup', { detail: { endpoint: s.endpoint, listenPort: s.listenPort, subnet: s.subnet } });
          return state();
        }),
    }),
    route({
      method: 'POST',
      url: '/api/remote/peers',
      access: owner,
      summary: 'Add a phone or laptop: its WireGuard config and QR code, private key included, in this answer only',
      schema: { body: RemoteAddBody, response: { 200: NewRemotePeerSchema } },
      handler: (req, reply) =>
        answering(async () => {
          const added = await addRemotePeer(svc.db, dataDir, req.body.name, actorOf(req), svc.now());
          audit(req, 'remote.peer_added', { target: `remote_peer:${added.peer.id}`, detail: { name: added.peer.name, address: added.peer.address } });
          void reply.header('cache-control', 'no-store');
          const qrSvg = await QRCode.toString(added.config, { type: 'svg', errorCorrectionLevel: 'L', margin: 2 });
          return { peer: added.peer, config: added.config, qrSvg };
        }),
    }),
    route({
      method: 'DELETE',
      url: '/api/remote/peers/:id',
      access: owner,
      summary: 'Revoke a peer: its key no longer opens the tunnel',
      schema: { params: RemotePeerParams, response: { 200: RemoteStateSchema } },
      handler: (req) =>
        answering(async () => {
          const { peer } = await revokeRemotePeer(svc.db, dataDir, req.params.id);
          audit(req, 'remote.peer_revoked', { target: `remote_peer:${peer.id}`, detail: { name: peer.name } });
          return state();
        }),
    }),
  ];
}

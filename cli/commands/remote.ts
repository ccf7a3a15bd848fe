import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { withConfigOptions, type ConfigOptions } from '../../common/serviceCommand';
import { endpointProblem, interfaceProblem, listenPortProblem, peerNameProblem, subnetProblem } from '../../common/api/remote';
import { CliError } from '../cliError';
import { withHubState } from '../hubState';

interface SetupOptions extends ConfigOptions {
  endpoint: string;
  port?: number;
  subnet?: string;
  interface?: string;
}

interface AddOptions extends ConfigOptions {
  qr: boolean;
}

function checked(problem: (v: string) => string | null) {
  return (value: string): string => {
    const p = problem(value);
    if (p) throw new InvalidArgumentError(p);
    return value;
  };
}

function port(value: string): number {
  const n = Number(value);
  const p = /^\d+$/.test(value) ? listenPortProblem(n) : listenPortProblem(NaN);
  if (p) throw new InvalidArgumentError(p);
  return n;
}

/** `porchlight remote setup|add|list|revoke`: phones and laptops reaching the hub from away through WireGuard (docs/remote.md). */
export function remoteCommands(program: Command): void {
  const remote = program.command('remote').description('remote access from away through WireGuard (docs/remote.md)');
  withConfigOptions(remote.command('setup').description("set up the hub's WireGuard endpoint (or change its public name and port)"))
    .requiredOption('--endpoint <host>', "the home's public DNS name or IP address, as phones reach it from the internet", checked(endpointProblem))
    .option('--port <port>', 'UDP port WireGuard listens on, forwarded by the router (default 51820)', port)
    .option('--subnet <cidr>', 'the tunnel subnet, a private /24 such as 10.73.41.0/24 (default: chosen at random, once)', checked(subnetProblem))
    .option('--interface <name>', 'network interface name: only "porchlight", the name the systemd units know (docs/remote.md)', checked(interfaceProblem))
    .action(setup);
  withConfigOptions(remote.command('add <name>').description("add a phone or laptop: prints its WireGuard config and a QR code, once (its private key is kept nowhere)"))
    .option('--no-qr', 'print the config only (e.g. to save it for a laptop)')
    .action(add);
  withConfigOptions(remote.command('list').description('the remote access settings and peers')).action(list);
  withConfigOptions(remote.command('revoke <peer>').description('remove a peer (by name or id): its key no longer opens the tunnel')).action(revoke);
}

/** The hub's remote access module (loaded when a command runs), its refusals turned into the console's. */
async function remoteModule() {
  const mod = await import('../../hub/remoteAccess');
  const { WireGuardToolsError } = await import('../../hub/wireguardTools');
  const failure = (err: unknown): never => {
    if (err instanceof mod.RemoteAccessError || err instanceof WireGuardToolsError) throw new CliError(err.message);
    throw err;
  };
  return { ...mod, failure };
}

async function setup(opts: SetupOptions): Promise<void> {
  const { setupRemote, remoteFiles, failure } = await remoteModule();
  const s = await withHubState(opts, async ({ db, cfg, audit }) => {
    const settings = await setupRemote(db, cfg.dataDir, { endpoint: opts.endpoint, listenPort: opts.port, subnet: opts.subnet, interface: opts.interface }).catch(failure);
    audit.append({ actor: 'cli', action: 'remote.setup', detail: { endpoint: settings.endpoint, listenPort: settings.listenPort, subnet: settings.subnet } });
    return { settings, file: remoteFiles(cfg.dataDir, settings.interface).config };
  });
  process.stdout.write(
    `remote access: ${s.settings.endpoint}:${s.settings.listenPort}/udp, tunnel ${s.settings.subnet}, the hub is ${s.settings.hubAddress} there\n` +
      `config written to ${s.file}\n` +
      // An installed hub's porchlight-wg-reload.path sees the file and brings the interface up.
      `the WireGuard interface comes up from it by itself where systemd/install.sh installed the hub (check: systemctl status porchlight-wg)\n` +
      `next: forward UDP port ${s.settings.listenPort} on the router to this hub, then "porchlight remote add <name>" (docs/remote.md)\n`,
  );
}

async function add(name: string, opts: AddOptions): Promise<void> {
  const problem = peerNameProblem(name.trim());
  if (problem) throw new CliError(problem);
  const { addRemotePeer, failure } = await remoteModule();
  const added = await withHubState(opts, async ({ db, cfg, audit }) => {
    const a = await addRemotePeer(db, cfg.dataDir, name, 'cli', Date.now()).catch(failure);
    audit.append({ actor: 'cli', action: 'remote.peer_added', target: `remote_peer:${a.peer.id}`, detail: { name: a.peer.name, address: a.peer.address } });
    return a;
  });
  if (!opts.qr) {
    process.stdout.write(added.config);
    return;
  }
  const QRCode = await import('qrcode');
  const qr = await QRCode.toString(added.config, { type: 'terminal', small: true, errorCorrectionLevel: 'L' });
  process.stdout.write(
    `${qr}\n${added.config}\n` +
      `Scan the code with the WireGuard app ("+", "Scan from QR code"), or import the text above.\n` +
      `This is the only time the private key is shown: it is kept nowhere. Lost? Revoke "${added.peer.name}" and add it again.\n` +
      (added.appliedLive ? '' : 'The running WireGuard interface picks the peer up from the saved config (porchlight-wg-reload.path).\n'),
  );
}

async function list(opts: ConfigOptions): Promise<void> {
  const { remoteSettings, listRemotePeers, failure } = await remoteModule();
  const { settings, peers } = await withHubState(opts, async ({ db, cfg }) => ({ settings: await remoteSettings(db, cfg.dataDir).catch(failure), peers: listRemotePeers(db) }));
  if (!settings) {
    process.stdout.write('remote access is not set up: "porchlight remote setup --endpoint home.example.net" (docs/remote.md)\n');
    return;
  }
  process.stdout.write(`endpoint ${settings.endpoint}:${settings.listenPort}/udp, tunnel ${settings.subnet}, hub ${settings.hubAddress}, interface ${settings.interface}\n`);
  if (peers.length === 0) process.stdout.write('no peers: add one with "porchlight remote add <name>"\n');
  for (const p of peers) process.stdout.write(`${p.id}  ${p.name}  ${p.address}  added ${new Date(p.createdAt).toISOString()} by ${p.createdBy}\n`);
}

async function revoke(peer: string, opts: ConfigOptions): Promise<void> {
  const { revokeRemotePeer, failure } = await remoteModule();
  const r = await withHubState(opts, async ({ db, cfg, audit }) => {
    const done = await revokeRemotePeer(db, cfg.dataDir, peer).catch(failure);
    audit.append({ actor: 'cli', action: 'remote.peer_revoked', target: `remote_peer:${done.peer.id}`, detail: { name: done.peer.name } });
    return done;
  });
  process.stdout.write(
    `revoked "${r.peer.name}" (${r.peer.address}): ` +
      (r.appliedLive ? 'removed from the running interface too\n' : 'removed from the saved config; porchlight-wg-reload.path removes it from the running interface\n'),
  );
}

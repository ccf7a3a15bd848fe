import { Command, InvalidArgumentError, Option } from 'commander';
import { checkRoute, ROUTES as PHONE_ROUTES, walkRoute } from '../simulator/virtualPhone';
import { existsSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { loadConfig, type Config } from '../common/config';
import { commandLine, configFileOf, INSTALLED_CONFIG, loadCommandConfig, runCommandLine, withConfigOptions, type ConfigOptions } from '../common/serviceCommand';
import { hubCommand } from '../hub/main';
import { agentRunCommand } from '../camera-agent/main';
import { relayCommand } from '../cloud-relay/main';
import { readSecret } from './prompt';

/*
 * The `porchlight` command. Each subcommand parses its flags, loads the config and hands
 * over to the module that owns the work; nothing here knows how that work is done.
 */

/** A refusal the user can fix; bin/porchlight.js prints its message and exits 1. */
class CliError extends Error {}

type CommonOptions = ConfigOptions;
const config = loadCommandConfig;

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number of seconds');
  return n;
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of 1 or more');
  return n;
}

function nonNegativeInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number of 0 or more');
  return n;
}

function fraction(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError('must be a number from 0 to 1');
  return n;
}

function videoSize(value: string): { width: number; height: number } {
  const m = /^(\d{2,4})x(\d{2,4})$/.exec(value);
  const width = Number(m?.[1]);
  const height = Number(m?.[2]);
  if (!m || width % 2 || height % 2 || width < 160 || height < 120) throw new InvalidArgumentError('must look like 640x360 (even numbers, at least 160x120)');
  return { width, height };
}

function gpioLine(value: string): number {
  const n = Number(value);
  if (!/^\d{1,4}$/.test(value) || n > 1023) throw new InvalidArgumentError('must be a GPIO line: the BCM number, a whole number from 0 to 1023');
  return n;
}

function pinLevel(value: string): 0 | 1 {
  if (value !== '0' && value !== '1') throw new InvalidArgumentError('must be 0 or 1');
  return value === '1' ? 1 : 0;
}

function existingDir(value: string): string {
  let isDir = false;
  try {
    isDir = statSync(value).isDirectory();
  } catch {
    // Reported below.
  }
  if (!isDir) throw new InvalidArgumentError('must be an existing directory: the gpio.simulatedDir of the hub or camera');
  return path.resolve(value);
}

function pressMs(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 60_000) throw new InvalidArgumentError('must be a whole number of milliseconds from 1 to 60000');
  return n;
}

interface ScoreOptions {
  periods: number;
  size?: { width: number; height: number };
  json?: boolean;
  minRecall?: number;
  maxFalse?: number;
}

const withCommon = withConfigOptions;

export function buildProgram(): Command {
  const program = commandLine('porchlight').description('Self-hosted home camera system: camera agents, hub and cloud relay');

  hubCommand(program.command('hub'));

  const agent = program.command('agent').description('camera agent commands');
  agentRunCommand(agent.command('run'));
  withCommon(agent.command('pair').description('pair this camera with a hub using the code (or the pairing link) the hub shows'))
    .option('--hub <url>', 'hub URL, e.g. https://porchlight.local:9443')
    .option('--code <code>', 'one-time pairing code shown by the hub')
    .option('--uri <link>', "the pairing link under the hub's QR code (porchlight://pair?hub=…&code=…&fp=…), instead of --hub and --code; the hub must prove its fingerprint before the code is sent")
    .option('--name <name>', 'camera name (default: agent.name from the config)')
    .option('--system', 'an installed camera: write /etc/porchlight/agents/NAME.yaml and /var/lib/porchlight/agents/NAME for porchlight-agent@NAME')
    .option('--source <source>', 'with --system: the camera, v4l2:/dev/videoN, rtsp://… or a file (kept from the existing config when not given)')
    .addOption(new Option('--root <dir>', 'with --system: install into this tree instead of / (tests)').hideHelp())
    .action(async (opts: CommonOptions & { hub?: string; code?: string; uri?: string; name?: string; system?: boolean; source?: string; root?: string }) => {
      const cfg = config(opts);
      if (opts.uri && (opts.hub || opts.code)) throw new CliError('give either --uri, or --hub and --code, not both');
      if (!opts.uri && !(opts.hub && opts.code)) throw new CliError('give --hub and --code, or --uri with the pairing link the hub shows');
      const { parsePairingUri } = await import('../common/pairingUri');
      const invite = opts.uri ? parsePairingUri(opts.uri) : { hubUrl: opts.hub!, code: opts.code!, caFingerprint: undefined };
      if ((opts.source || opts.root) && !opts.system) throw new CliError('--source and --root go with --system');
      if (opts.system && !opts.name) throw new CliError('--system needs --name: the camera name is also the service name (porchlight-agent@NAME)');
      const { prepareSystemAgent, AGENT_CONFIG_DIR } = await import('../camera-agent/agentSetup');
      if (!opts.system && !opts.config && !opts.data && !process.env.PORCHLIGHT_CONFIG && existsSync(AGENT_CONFIG_DIR)) {
        throw new CliError('Porchlight is installed on this machine: add --system --name NAME so that porchlight-agent@NAME finds the camera (or give --config)');
      }
      // Checked before pairing: a refused config must not spend the one-time code.
      const system = opts.system ? await prepareSystemAgent({ name: opts.name!, source: opts.source, root: opts.root }) : null;
      if (system) cfg.dataDir = system.dataDir;
      const { pairCamera } = await import('../camera-agent/pairCamera');
      const identity = await pairCamera(cfg.dataDir, invite.hubUrl, invite.code, opts.name ?? cfg.agent.name, invite.caFingerprint);
      process.stdout.write(`paired "${identity.name}" as device ${identity.deviceId}; hub CA ${identity.caFingerprint}\n`);
      if (system) {
        await system.finish();
        process.stdout.write(`wrote ${system.configFile}; start the camera with:\n  sudo systemctl enable --now ${system.unit}\n`);
      }
    });

  relayCommand(program.command('relay'));

  /**
   * Opens the hub's state for a one-shot command and appends to its audit log as `cli`.
   * Only `create` commands (adding the first owner) may start a hub's state: a mistyped
   * --data or a missing --config must not quietly make a second, empty hub.
   */
  const withHubState = async <T>(
    opts: CommonOptions,
    work: (state: {
      db: import('../common/database').DB;
      cfg: Config;
      paths: import('../common/dataLayout').HubPaths;
      audit: import('../common/auditLog').AuditLog;
    }) => Promise<T> | T,
    { create = false } = {},
  ): Promise<T> => {
    const cfg = config(opts);
    const { openHubState } = await import('../hub/hub');
    const { hubPaths } = await import('../common/dataLayout');
    const { AuditLog } = await import('../common/auditLog');
    const { openDatabase } = await import('../common/database');
    const { existsSync } = await import('node:fs');
    const paths = hubPaths(cfg.dataDir);
    if (!create && !existsSync(paths.db)) {
      throw new CliError(`no hub database at ${paths.db}: check --config / --data (a hub is created by "porchlight user add" or "porchlight hub")`);
    }
    const db = create ? (await openHubState(cfg.dataDir)).db : openDatabase(paths.db);
    try {
      return await work({ db, cfg, paths, audit: new AuditLog(db, paths.auditHead) });
    } finally {
      db.close();
    }
  };

  const pair = program.command('pair').description('pairing windows on this hub');
  withCommon(pair.command('open').description('open a pairing window and print its one-time code')).action(async (opts: CommonOptions) => {
    const { openPairingWindow } = await import('../hub/pairing');
    const window = await withHubState(opts, ({ db, cfg, audit }) => {
      const w = openPairingWindow(db, cfg.hub.pairingWindowSeconds * 1000);
      audit.append({ actor: 'cli', action: 'pairing.opened', detail: { expiresAt: w.expiresAt } });
      return w;
    });
    process.stdout.write(`${window.code}\nvalid until ${new Date(window.expiresAt).toISOString()}\n`);
  });

  const device = program.command('device').description('paired cameras on this hub');
  withCommon(device.command('list').description('list paired cameras')).action(async (opts: CommonOptions) => {
    const { listDevices } = await import('../hub/devices');
    const devices = await withHubState(opts, ({ db }) => listDevices(db));
    if (devices.length === 0) process.stdout.write('no paired cameras: open a pairing window with "porchlight pair open"\n');
    for (const d of devices) {
      const seen = d.lastSeenAt ? new Date(d.lastSeenAt).toISOString() : 'never';
      process.stdout.write(`${d.id}  ${d.name}  ${d.revoked ? 'REVOKED' : 'active'}  last seen ${seen}\n`);
    }
  });
  withCommon(device.command('revoke <camera>').description("revoke a camera's token (by id or name); its clips stay")).action(
    async (camera: string, opts: CommonOptions) => {
      const { findDevice, revokeDevice } = await import('../hub/devices');
      const name = await withHubState(opts, ({ db, audit }) => {
        const d = findDevice(db, camera);
        if (!d) throw new CliError(`no camera named or numbered "${camera}" (see porchlight device list)`);
        const { alreadyRevoked } = revokeDevice(db, d.id);
        if (!alreadyRevoked) audit.append({ actor: 'cli', action: 'device.revoked', target: `device:${d.id}` });
        return { name: d.name, id: d.id, alreadyRevoked };
      });
      process.stdout.write(
        name.alreadyRevoked ? `"${name.name}" (${name.id}) was already revoked\n` : `revoked "${name.name}" (${name.id}): its token is refused from now on\n`,
      );
    },
  );
  withCommon(device.command('reprovision <camera>').description('revoke a camera\'s token and print a pairing code that gives it a new one')).action(
    async (camera: string, opts: CommonOptions) => {
      const { findDevice } = await import('../hub/devices');
      const { openPairingWindow } = await import('../hub/pairing');
      const window = await withHubState(opts, ({ db, cfg, audit }) => {
        const d = findDevice(db, camera);
        if (!d) throw new CliError(`no camera named or numbered "${camera}" (see porchlight device list)`);
        const w = openPairingWindow(db, cfg.hub.pairingWindowSeconds * 1000, Date.now(), d.id);
        audit.append({ actor: 'cli', action: 'device.token_rotated', target: `device:${d.id}` });
        return w;
      });
      process.stdout.write(`${window.code}\nvalid until ${new Date(window.expiresAt).toISOString()}\nrun "porchlight agent pair" on the camera with this code\n`);
    },
  );

  const setup = program.command('setup').description("the hub's first-run setup from the web page");
  withCommon(setup.command('code').description('print the one-time code that the web setup asks for (only while no account exists)')).action(async (opts: CommonOptions) => {
    const cfg = config(opts);
    const { hubPaths } = await import('../common/dataLayout');
    const { hasUsers, readSetupCode, setupCodePath } = await import('../hub/firstRunSetup');
    const { openDatabase } = await import('../common/database');
    const dbFile = hubPaths(cfg.dataDir).db;
    const unreadable = (err: unknown): never => {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM' || code === 'SQLITE_CANTOPEN') {
        throw new CliError(`cannot read the hub's data in ${cfg.dataDir} as this user: run it with sudo (or as the porchlight user)`);
      }
      throw err;
    };
    if (existsSync(dbFile)) {
      let db: ReturnType<typeof openDatabase>;
      try {
        db = openDatabase(dbFile);
      } catch (err) {
        return unreadable(err);
      }
      let done: boolean;
      try {
        done = hasUsers(db);
      } finally {
        db.close();
      }
      if (done) throw new CliError('this hub is already set up: sign in on its web page (add people from the Household page, or with "porchlight user add")');
    }
    const code = await readSetupCode(cfg.dataDir).catch(unreadable);
    if (!code) throw new CliError(`no setup code in ${setupCodePath(cfg.dataDir)}: start the hub first ("porchlight hub"); it writes one while no account exists (check --config / --data)`);
    process.stdout.write(`${code}\n`);
  });

  const user = program.command('user').description('household accounts');
  withCommon(user.command('add <username>').description('add a user'))
    .option('--role <role>', 'owner, member, viewer or installer', 'owner')
    .option('--password-file <file>', 'read the password from this file instead of asking')
    .option('--email <address>', 'their email address (counted as verified: the installer typed it on the hub)')
    .action(async (username: string, opts: CommonOptions & { role: string; passwordFile?: string; email?: string }) => {
      const { addUser } = await import('../hub/users');
      const password = await readSecret('Password: ', opts.passwordFile);
      const added = await withHubState(opts, async ({ db, audit }) => {
        const u = await addUser(db, username, password, opts.role as never, { email: opts.email, emailVerified: true });
        audit.append({ actor: 'cli', action: 'user.created', target: `user:${u.username}`, detail: { role: u.role } });
        return u;
      }, { create: true });
      process.stdout.write(`added ${added.role} "${added.username}"\n`);
    });

  // Audit log: `audit verify` re-walks the hash chain and checks the head file; `audit list`
  // prints recent entries.
  const audit = program.command('audit').description('the hub audit log');
  withCommon(audit.command('verify').description('check the audit log has not been edited, cut short or had entries removed')).action(
    async (opts: CommonOptions) => {
      const { verifyAuditLog } = await import('../common/auditLog');
      await withHubState(opts, ({ db, paths }) => {
        const result = verifyAuditLog(db, paths.auditHead);
        if (result.ok) {
          const last = result.lastSeq > 0 ? (db.prepare('SELECT hash FROM audit_log WHERE seq = ?').get(result.lastSeq) as { hash: string }) : null;
          process.stdout.write(
            last
              ? `audit log ok: ${result.entries} entries, chain head #${result.lastSeq} ${last.hash.slice(0, 12)}\n`
              : 'audit log ok: 0 entries (empty)\n',
          );
        } else {
          const where = result.seq === null ? '' : ` at entry #${result.seq}`;
          process.stderr.write(`audit log BROKEN${where}: ${result.problem}\n`);
          process.exitCode = 1;
        }
      });
    },
  );
  withCommon(audit.command('list').description('print recent audit entries, newest first'))
    .option('--limit <n>', 'how many entries (1–1000)', (v: string) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 1000) throw new InvalidArgumentError('must be a whole number from 1 to 1000');
      return n;
    }, 50)
    .option('--action <action>', 'only this action, e.g. auth.login_failed')
    .option('--before <seq>', 'only entries older than this sequence number', (v: string) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive whole number');
      return n;
    })
    .action(async (opts: CommonOptions & { limit: number; action?: string; before?: number }) => {
      await withHubState(opts, ({ audit }) => {
        const entries = audit.list({ limit: opts.limit, action: opts.action, beforeSeq: opts.before });
        // Fields may hold outside input (a tried username): quote anything but plain printable ASCII.
        const c1 = (json: string) => json.replace(/[\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
        const shown = (v: string) => (/^[\x21-\x7e]+$/.test(v) ? v : c1(JSON.stringify(v)));
        for (const e of entries) {
          const parts = [`#${e.seq}`, new Date(e.at).toISOString(), shown(e.actor), shown(e.action)];
          if (e.target !== null) parts.push(`target=${shown(e.target)}`);
          if (e.ip !== null) parts.push(`ip=${shown(e.ip)}`);
          if (e.detail !== null) parts.push(c1(JSON.stringify(e.detail)));
          process.stdout.write(parts.join(' ') + '\n');
        }
      });
    });

  const keys = program.command('keys').description('footage keys');
  withCommon(keys.command('export').description('write the footage secret key, wrapped with a passphrase, for recovery'))
    .requiredOption('--out <file>', 'recovery file to write')
    .option('--passphrase-file <file>', 'read the passphrase from this file instead of asking')
    .action(async (opts: CommonOptions & { out: string; passphraseFile?: string }) => {
      const cfg = config(opts);
      const { hubPaths } = await import('../common/dataLayout');
      const { exportWrappedKey, loadFootageKeyPair } = await import('../common/footageKeys');
      const passphrase = await readSecret('Passphrase for the recovery file: ', opts.passphraseFile);
      if (passphrase.length < 12) throw new Error('the passphrase must have at least 12 characters');
      const pair = await loadFootageKeyPair(hubPaths(cfg.dataDir).footageKey);
      await exportWrappedKey(path.resolve(opts.out), pair, passphrase);
      process.stdout.write(`footage key written to ${opts.out}; keep it and its passphrase somewhere safe\n`);
    });

  const arming = program.command('arming').description("the home's arming");
  withCommon(arming.command('status').description('print the mode in force and who or what set it')).action(async (opts: CommonOptions) => {
    const { ArmingStore } = await import('../hub/arming/armingStore');
    const { decideArming } = await import('../hub/arming/armingDecision');
    const d = await withHubState(opts, ({ db }) => decideArming(new ArmingStore(db).inputs(), Date.now()));
    const cause = d.cause.source === 'manual' ? `set by ${d.cause.by}` : d.cause.source === 'schedule' ? `schedule rule ${d.cause.ruleId}` : d.cause.source === 'geofence' ? `geofence${d.cause.member ? ` (${d.cause.member})` : ''}` : 'nothing set yet';
    process.stdout.write(`${d.mode} (${cause}${d.since ? `, since ${new Date(d.since).toISOString()}` : ''})\n`);
    if (d.nextScheduledAt !== null) process.stdout.write(`next scheduled change: ${new Date(d.nextScheduledAt).toISOString()}\n`);
  });
  withCommon(arming.command('set <mode>').description('set the mode by hand: disarmed, armed_home, armed_away or privacy (the running hub applies it within seconds)'))
    .action(async (mode: string, opts: CommonOptions) => {
      const { isMode, MODES } = await import('../common/protocol');
      const { ArmingStore } = await import('../hub/arming/armingStore');
      if (!isMode(mode)) throw new CliError(`"${mode}" is not a mode; use one of ${MODES.join(', ')}`);
      await withHubState(opts, ({ db, audit }) => {
        new ArmingStore(db).setManual({ mode, at: Date.now(), by: 'cli' });
        audit.append({ actor: 'cli', action: 'arming.mode_set', detail: { mode } });
      });
      process.stdout.write(`${mode}\n`);
    });

  const cloud = program.command('cloud').description('the cloud copy of the clips');
  withCommon(cloud.command('test').description("check that the upload target in effect (the owner's choice from the web UI, else the config's) is reachable and accepts uploads"))
    .action(async (opts: CommonOptions) => {
      const cfg = config(opts);
      const { createTarget } = await import('../common/cloud/targets');
      const { effectiveTarget } = await import('../common/cloud/targetChoice');
      const { checkTarget } = await import('../common/cloud/targetCheck');
      const { hubPaths } = await import('../common/dataLayout');
      const { openDatabase } = await import('../common/database');
      // The hub's database holds the owner's choice; without one, the config decides.
      const db = existsSync(hubPaths(cfg.dataDir).db) ? openDatabase(hubPaths(cfg.dataDir).db) : null;
      let chosen;
      try {
        chosen = effectiveTarget(cfg, db, cfg.dataDir);
      } finally {
        db?.close();
      }
      const target = createTarget(cfg, chosen.target);
      try {
        const result = await checkTarget(target, chosen.target);
        if (!result.ok) throw new CliError(`${target.description}: ${result.message}`);
      } finally {
        target.close();
      }
      process.stdout.write(`${target.description}${chosen.source === 'ui' ? ' (chosen in the web UI)' : ''}: ok (reachable, writable, verified)\n`);
    });
  withCommon(cloud.command('restore').description("rebuild this hub's clip index from the cloud (after a lost hub): run with the hub stopped"))
    .option('--key <file>', "the footage recovery file (porchlight keys export); needed on a new hub")
    .option('--passphrase-file <file>', 'passphrase of the recovery file')
    .action(async (opts: CommonOptions & { key?: string; passphraseFile?: string }) => {
      const { loadFootageKeyPair, saveFootageKeyPair, saveFootagePublicKey } = await import('../common/footageKeys');
      const { restoreFromCloud } = await import('../hub/cloudRestore');
      const { createTarget } = await import('../common/cloud/targets');
      const result = await withHubState(
        opts,
        async ({ db, cfg, paths, audit }) => {
          let keys = await loadFootageKeyPair(paths.footageKey);
          if (opts.key) {
            const recovered = await loadFootageKeyPair(path.resolve(opts.key), () => readSecret('Passphrase of the recovery file: ', opts.passphraseFile));
            if (!Buffer.from(recovered.publicKey).equals(Buffer.from(keys.publicKey))) {
              const { n } = db.prepare('SELECT COUNT(*) AS n FROM clips').get() as { n: number };
              if (n > 0) throw new CliError(`this hub already has ${n} clips under its own footage key; restore into a new hub (empty data directory)`);
              keys = recovered;
              await saveFootageKeyPair(paths.footageKey, keys);
              await saveFootagePublicKey(paths.footagePublicKey, keys.publicKey);
              audit.append({ actor: 'cli', action: 'keys.recovered' });
            }
          }
          const target = createTarget(cfg);
          try {
            const r = await restoreFromCloud(db, target, keys, Date.now());
            audit.append({ actor: 'cli', action: 'cloud.restored', detail: { ...r } });
            return { r, where: target.description };
          } catch (err) {
            throw new CliError(`${target.description}: ${(err as Error).message}`);
          } finally {
            target.close();
          }
        },
        { create: true },
      );
      const { r, where } = result;
      process.stdout.write(`restored ${r.restored} clips from ${where} (cameras: ${r.cameras.join(', ') || 'none'}); ${r.alreadyIndexed} already indexed\n`);
      if (r.unreadable > 0) process.stdout.write(`${r.unreadable} manifests could not be opened with this footage key (another hub's, or damaged): give --key with the right recovery file\n`);
      if (r.missingClip > 0) process.stdout.write(`${r.missingClip} manifests name a clip that is missing or incomplete in the bucket; skipped\n`);
      process.stdout.write('restored cameras are listed as revoked: pair them again to record under the same names\n');
    });

  const clip = program.command('clip').description('clip files');
  clip
    .command('decrypt <input> <output>')
    .description('decrypt a stored or uploaded clip to an MP4')
    .requiredOption('--key <file>', 'exported recovery file (or the hub key file)')
    .option('--passphrase-file <file>', 'passphrase of the recovery file')
    .action(async (input: string, output: string, opts: { key: string; passphraseFile?: string }) => {
      const { loadFootageKeyPair } = await import('../common/footageKeys');
      const { decryptClipFile } = await import('../common/clipFile');
      const pair = await loadFootageKeyPair(opts.key, () => readSecret('Passphrase: ', opts.passphraseFile));
      const bytes = await decryptClipFile(pair, input, output);
      process.stdout.write(`wrote ${bytes} bytes to ${output}\n`);
    });

  const cfgCmd = program.command('config').description('configuration');
  cfgCmd
    .command('validate <file>')
    .description('check a config file and exit')
    .action((file: string) => {
      loadConfig(file);
      process.stdout.write(`${file}: ok\n`);
    });

  program
    .command('doctor')
    .description('check this machine: ffmpeg and its encoders, cameras, GPIO, clock, disk, certificate, ports, and whether each camera reaches its hub')
    .option('-c, --config <file>', `the hub's config (default: ${INSTALLED_CONFIG} when it exists)`)
    .option('--agents <dir>', "folder of the cameras' configs", '/etc/porchlight/agents')
    .option('--user <name>', 'the account the services run as', 'porchlight')
    .option('--json', 'print the findings as JSON')
    .action(async (opts: { config?: string; agents: string; user: string; json?: boolean }) => {
      const { loadDoctorSetup, runDoctor } = await import('./doctor/doctor');
      const { systemProbes } = await import('./doctor/probes');
      const { exitCodeOf, formatFindings } = await import('./doctor/checks');
      const setup = loadDoctorSetup({ configFile: configFileOf(opts.config), agentsDir: opts.agents, user: opts.user });
      const findings = await runDoctor(setup, systemProbes());
      process.stdout.write(opts.json ? JSON.stringify(findings, null, 2) + '\n' : formatFindings(findings));
      process.exitCode = exitCodeOf(findings);
    });

  const sim = program.command('sim').description('the hardware simulator');
  withCommon(sim.command('score [scenes...]').description('run labelled scenes through the motion detector and score it (all scenes when none are named)'))
    .option('--periods <n>', 'how many times each scene plays', positiveInteger, 1)
    .option('--size <WxH>', 'video size the scenes are rendered at (default: agent.video in the config)', videoSize)
    .option('--json', 'print the report as JSON')
    .option('--min-recall <r>', 'exit 1 when recall over the real events is below this (0–1)', fraction)
    .option('--max-false <n>', 'exit 1 when the nuisance scenes raise more false events than this', nonNegativeInteger)
    .action(async (names: string[], opts: CommonOptions & ScoreOptions) => {
      const { runScoreCommand } = await import('../simulator/scoreCommand');
      const cfg = config(opts);
      const passed = await runScoreCommand(names, { ...opts, config: cfg }, (line) => process.stdout.write(line + '\n'));
      if (!passed) process.exitCode = 1;
    });

  const gpio = sim.command('gpio').description('simulated GPIO lines kept in a directory (gpio.simulatedDir) by a hub or camera');
  const dirOption = (cmd: Command) => cmd.requiredOption('--dir <dir>', 'the gpio.simulatedDir of the hub or camera', existingDir);
  dirOption(gpio.command('set').description('set a line to an electrical level (an input of the hub or camera)'))
    .argument('<line>', 'BCM GPIO number', gpioLine)
    .argument('<level>', '0 or 1', pinLevel)
    .action(async (line: number, level: 0 | 1, opts: { dir: string }) => {
      const { gpioSet } = await import('../simulator/gpioCommand');
      gpioSet(opts.dir, line, level);
      process.stdout.write(`GPIO${line} set to ${level}\n`);
    });
  dirOption(gpio.command('get').description("print a line's electrical level (e.g. a recording LED: 1 = lit unless wired active-low)"))
    .argument('<line>', 'BCM GPIO number', gpioLine)
    .action(async (line: number, opts: { dir: string }) => {
      const { gpioGet } = await import('../simulator/gpioCommand');
      process.stdout.write(`${gpioGet(opts.dir, line)}\n`);
    });
  dirOption(gpio.command('press').description('flip a line from its resting level and back: press a button, or a PIR seeing motion'))
    .argument('<line>', 'BCM GPIO number', gpioLine)
    .option('--ms <ms>', 'how long to hold it (1–60000)', pressMs, 200)
    .action(async (line: number, opts: { dir: string; ms: number }) => {
      const { gpioPress } = await import('../simulator/gpioCommand');
      const rest = await gpioPress(opts.dir, line, opts.ms);
      process.stdout.write(`GPIO${line} held at ${rest === 1 ? 0 : 1} for ${opts.ms} ms, back at ${rest}\n`);
    });

  sim
    .command('phone')
    .description("a virtual phone that walks a route in and out of the home's geofence, reporting like OwnTracks")
    .requiredOption('--hub <url>', 'the hub, e.g. https://192.168.1.20:9443')
    .requiredOption('--user <name>', 'the member whose phone this is')
    .requiredOption('--token-file <file>', 'the OwnTracks token made for that member in the hub')
    .requiredOption('--home <lat,lon>', "the home's location, as set in the hub")
    .option('--route <name>', `one of: ${Object.keys(PHONE_ROUTES).join(', ')}`, 'errand')
    .option('--route-file <file>', 'a route of your own (JSON: name, legs [{minutes, toMetresNorth}], accuracyM, jitterM)')
    .option('--speed <n>', 'play the route this many times faster than real time', positiveNumber, 60)
    .option('--every <seconds>', 'seconds of route time between reports', positiveNumber, 30)
    .option('--ca <file>', "the hub's CA certificate (PEM); without it the hub's certificate is not checked")
    .action(async (opts: { hub: string; user: string; tokenFile: string; home: string; route: string; routeFile?: string; speed: number; every: number; ca?: string }) => {
      const { readFileSync } = await import('node:fs');
      const home = /^(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)$/.exec(opts.home);
      if (!home || Math.abs(Number(home[1])) > 90 || Math.abs(Number(home[2])) > 180) throw new CliError('--home must be "lat,lon" with a latitude within ±90 and a longitude within ±180');
      let route;
      try {
        route = opts.routeFile ? checkRoute(JSON.parse(readFileSync(opts.routeFile, 'utf8'))) : PHONE_ROUTES[opts.route];
      } catch (err) {
        throw new CliError(`${opts.routeFile}: ${(err as Error).message}`);
      }
      if (!route) throw new CliError(`no route "${opts.route}"; use one of ${Object.keys(PHONE_ROUTES).join(', ')} or --route-file`);
      const url = new URL('/api/owntracks', opts.hub);
      if (url.protocol !== 'https:') throw new CliError('--hub must be an https:// URL');
      await walkRoute({
        url: url.toString(),
        creds: { username: opts.user, password: readFileSync(opts.tokenFile, 'utf8').trim() },
        route,
        home: { lat: Number(home[1]), lon: Number(home[2]) },
        speed: opts.speed,
        everySeconds: opts.every,
        ca: opts.ca ? readFileSync(opts.ca, 'utf8') : undefined,
        say: (line) => process.stdout.write(line + '\n'),
      });
    });

  program
    .command('demo')
    .description('run the whole system on simulated cameras: hub, two cameras, relay to a local "cloud" folder')
    .option('-d, --data <dir>', 'where every file of the run is kept', 'demo-data')
    .option('--duration <seconds>', 'run this long, print a JSON summary and exit', positiveNumber)
    .action(async (opts: { data: string; duration?: number }) => {
      const { runDemo } = await import('../simulator/demo');
      const summary = await runDemo({ dataDir: path.resolve(opts.data), duration: opts.duration });
      process.stdout.write(JSON.stringify(summary) + '\n');
    });

  return program;
}

export async function main(argv: string[]): Promise<void> {
  await runCommandLine(buildProgram(), argv);
}

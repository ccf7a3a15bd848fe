import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { userInfo } from 'node:os';
import * as path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { sleep } from './wait';
import { freePort } from './ports';

/** Debian's mosquitto on a free loopback port, with one user, stopped by `close()`. */
export interface Broker {
  url: string;
  port: number;
  username: string;
  password: string;
  /** The hub's `mqtt` config section for this broker (the password in a 0600 file beside it). */
  hubConfig: { url: string; username: string; passwordFile: string };
  close(): Promise<void>;
}

async function waitForPort(port: number, child: ChildProcess, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`mosquitto exited with code ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > end) throw new Error(`mosquitto did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startBroker(dir: string): Promise<Broker> {
  const port = await freePort();
  const username = 'porchlight';
  const password = 'broker password for tests';
  const passwd = path.join(dir, 'mosquitto.passwd');
  writeFileSync(passwd, '', { mode: 0o600 });
  execFileSync('mosquitto_passwd', ['-b', passwd, username, password]);
  const conf = path.join(dir, 'mosquitto.conf');
  // Run as root, mosquitto drops to its own user, which cannot read our 0600 files: stay as we are.
  writeFileSync(conf, [`user ${userInfo().username}`, `listener ${port} 127.0.0.1`, 'allow_anonymous false', `password_file ${passwd}`, 'persistence false', 'log_dest stderr', ''].join('\n'));
  // Debian puts the broker in /usr/sbin, which is not on every user's PATH.
  const binary = existsSync('/usr/sbin/mosquitto') ? '/usr/sbin/mosquitto' : 'mosquitto';
  const child = spawn(binary, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  try {
    await waitForPort(port, child);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n${log}`, { cause: err });
  }
  const url = `mqtt://127.0.0.1:${port}`;
  const passwordFile = path.join(dir, 'mqtt-password');
  writeFileSync(passwordFile, password + '\n', { mode: 0o600 });
  return {
    url,
    port,
    username,
    password,
    hubConfig: { url, username, passwordFile },
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** A real MQTT subscriber to everything under `topics`: the last payload per topic and every message in order. */
export interface Subscriber {
  client: MqttClient;
  /** The last payload of each topic. */
  seen: Map<string, string>;
  /** Every message received, in order. */
  history: Array<{ topic: string; payload: string }>;
  /** Waits for `topic`'s last payload to satisfy `want`, and returns it. */
  until(topic: string, want: (v: string) => boolean, ms?: number): Promise<string>;
  /** Waits for any payload of `topic` since subscribing to satisfy `want` (later ones may differ), and returns it. */
  untilEver(topic: string, want: (v: string) => boolean, ms?: number): Promise<string>;
}

export async function subscribe(broker: Broker, topics = ['homeassistant/#', 'porchlight/#']): Promise<Subscriber> {
  const client = await mqtt.connectAsync(broker.url, { username: broker.username, password: broker.password, clientId: `test-${process.pid}-${Date.now()}` });
  const seen = new Map<string, string>();
  const history: Subscriber['history'] = [];
  client.on('message', (topic, buf) => {
    const payload = buf.toString('utf8');
    seen.set(topic, payload);
    history.push({ topic, payload });
  });
  await client.subscribeAsync(topics);
  return {
    client,
    seen,
    history,
    async until(topic, want, ms = 10_000) {
      const end = Date.now() + ms;
      for (;;) {
        const v = seen.get(topic);
        if (v !== undefined && want(v)) return v;
        if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${topic} (last: ${v})`);
        await sleep(25);
      }
    },
    async untilEver(topic, want, ms = 10_000) {
      const end = Date.now() + ms;
      for (;;) {
        const hit = history.find((m) => m.topic === topic && want(m.payload));
        if (hit) return hit.payload;
        if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${topic} (last: ${seen.get(topic)})`);
        await sleep(25);
      }
    },
  };
}

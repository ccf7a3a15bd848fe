import { strict as assert } from 'node:assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import type { Agent as HttpsAgent } from 'node:https';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { CameraAgent } from '../../camera-agent/agent';
import { saveIdentity } from '../../camera-agent/identity';
import { ClipEncryptor } from '../../common/clipEnvelope';
import { parseConfig } from '../../common/config';
import { HubClient, pairWithHub } from '../../camera-agent/hubClient';
import { openPairingWindow } from '../../hub/pairing';
import { addTestUser, JSON_HEADERS, PASSWORDS, signIn, startTestHub, type TestHub } from './hub';
import { call } from './https';
import { captureLog } from './logCapture';
import { makeTestMp4 } from './media';
import { oathtool } from './oathtool';
import { until } from './wait';

export type UiUser = 'owner' | 'member' | 'viewer' | 'installer';

export interface PairedCamera {
  deviceId: string;
  name: string;
  client: HubClient;
  footagePublicKey: Uint8Array;
  /** What `pairWithHub` returned (token, CA, ids), to run a real agent with. */
  pairing: Awaited<ReturnType<typeof pairWithHub>>;
}

export interface UiHub {
  t: TestHub;
  totpSeed: string;
  /** The owner's recovery codes, from enrolling. */
  recoveryCodes: string[];
  /**
   * Signs `user` in at the hub's page; the owner also types a TOTP code from oathtool.
   * `atCodeStep` runs once the page asks for the code, before it is typed.
   */
  signInAs(page: Page, user: UiUser, options?: { atCodeStep?: (page: Page) => Promise<void> }): Promise<void>;
  /**
   * Runs a real camera agent (ffmpeg encoding the `sim:person-walks` scene at 640×360) as a
   * paired camera, with `agent` settings added, and waits until the hub has it online.
   */
  runCamera(camera: PairedCamera, agent?: Record<string, unknown>): Promise<CameraAgent>;
  /** Pairs a simulated camera through a pairing window opened on the hub's database. */
  pairCamera(name: string): Promise<PairedCamera>;
  /** Uploads one real encrypted clip (`seconds` of test video) from `camera`, recorded `agoMs` ago. */
  uploadClip(camera: PairedCamera, options?: { seconds?: number; agoMs?: number }): Promise<string>;
  close(): Promise<void>;
}

/**
 * A hub on loopback for browser tests: one account per role, the owner with two-factor
 * sign-in on (enrolled through the API with oathtool's codes).
 */
export async function startUiHub(dir: string, options: { pushAgent?: HttpsAgent } = {}): Promise<UiHub> {
  const t = await startTestHub(path.join(dir, 'hub'), {}, undefined, {}, null, undefined, undefined, options.pushAgent ?? null);
  for (const role of ['owner', 'member', 'viewer', 'installer'] as const) await addTestUser(t.db, role);
  const owner = await signIn(t.base, 'owner', PASSWORDS.owner);
  const totpSeed: string = (await call(t.base, 'POST', '/api/me/totp', { headers: owner.headers })).json().secret;
  const confirmed = await call(t.base, 'POST', '/api/me/totp/confirm', { body: JSON.stringify({ code: oathtool(totpSeed, t.clock.t) }), headers: { ...owner.headers, ...JSON_HEADERS } });
  assert.equal(confirmed.status, 200, confirmed.body.toString());
  const recoveryCodes: string[] = confirmed.json().recoveryCodes;
  // The next code, not the one just used (codes are single-use).
  t.clock.advance(30_000);
  const cameras: HubClient[] = [];

  return {
    t,
    totpSeed,
    recoveryCodes,
    async signInAs(page, user, options = {}) {
      await page.goto(t.base);
      await page.fill('#username', user);
      await page.fill('#password', PASSWORDS[user]);
      await page.click('#login-form button[type=submit]');
      if (user === 'owner') {
        await page.waitForSelector('#totp-code', { state: 'visible' });
        await options.atCodeStep?.(page);
        // A TOTP code counts once: each sign-in takes the next 30-second step.
        t.clock.advance(30_000);
        await page.fill('#totp-code', oathtool(totpSeed, t.clock.t));
        await page.click('#totp-form button[type=submit]');
      }
      await page.waitForSelector('#nav', { state: 'visible' });
    },
    async pairCamera(name) {
      const pairing = await pairWithHub(t.base, (await openPairingWindow(t.db, 60_000)).code, name);
      const client = new HubClient({ ...pairing, name, hubUrl: t.base });
      cameras.push(client);
      return { deviceId: pairing.deviceId, name, client, pairing, footagePublicKey: new Uint8Array(Buffer.from(pairing.footagePublicKey, 'base64')) };
    },
    async runCamera(camera, agent = {}) {
      const agentDir = path.join(dir, `agent-${camera.name}`);
      await saveIdentity(agentDir, { ...camera.pairing, name: camera.name, hubUrl: t.base });
      const running = new CameraAgent(
        parseConfig({ dataDir: agentDir, agent: { name: camera.name, source: 'sim:person-walks', video: { width: 640, height: 360 }, ...agent } }),
        captureLog().log,
      );
      await running.start();
      const member = await signIn(t.base, 'member', PASSWORDS.member);
      await until(`${camera.name} to come online`, async () => {
        const devices = (await call(t.base, 'GET', '/api/devices', { headers: member.headers })).json().devices as Array<{ id: string; online: boolean }>;
        return devices.find((d) => d.id === camera.deviceId)?.online ?? false;
      }, 30_000, 250);
      return running;
    },
    async uploadClip(camera, options = {}) {
      const seconds = options.seconds ?? 4;
      const clipId = randomUUID();
      const enc = await ClipEncryptor.create({ publicKey: camera.footagePublicKey }, { clipId, deviceId: camera.deviceId });
      const work = path.join(dir, 'clips');
      mkdirSync(work, { recursive: true });
      const file = path.join(work, `${clipId}.plc`);
      writeFileSync(file, Buffer.concat([enc.header, ...enc.push(makeTestMp4(work, seconds)), enc.final()]));
      const now = t.clock.now();
      const startedAt = now - (options.agoMs ?? 60_000);
      await camera.client.uploadClip({ clipId, startedAt, endedAt: startedAt + seconds * 1000, mediaStart: 0, mediaEnd: seconds, trigger: 'motion' }, file);
      return clipId;
    },
    async close() {
      for (const c of cameras) c.close();
      await t.stop();
    },
  };
}

import { strict as assert } from 'node:assert';
import * as net from 'node:net';
import { HubRequestError, pairWithHub } from '../../camera-agent/hubClient';
import { openPairingWindow } from '../../hub/pairing';
import { useTestHubWithUsers } from '../helpers/hub';

/*
 * A pairing window's expiry against the two steps of the camera's OPAQUE exchange: an exchange
 * started while the window was open may finish after it expired (for up to 60 s after its
 * start: the camera's Argon2id takes a while on a Pi Zero), but no exchange starts after it.
 * The attacker's move: keep guessing the code once the window has expired, or hold a started
 * exchange back and finish it much later.
 *
 * The camera here is the real client; between it and the hub a plain TCP relay (the TLS stays
 * end to end) lets the hub's clock jump just before one of the camera's requests arrives. The
 * client opens one connection per request: the first is /api/pair/start, the second the finish.
 */
describe('pairing window expiry: no new exchange after it, a started one may finish', function () {
  this.timeout(60_000);
  const hub = useTestHubWithUsers(['owner']);
  const WINDOW_MS = 30_000;
  let relay: net.Server | undefined;
  afterEach(() => relay?.close());

  /** A relay to the hub that advances the hub's clock by `advanceMs` as connection number `at` (1-based) comes in. */
  async function relayJumpingAt(at: number, advanceMs: number): Promise<string> {
    let count = 0;
    const port = Number(new URL(hub().base).port);
    relay = net.createServer((client) => {
      count += 1;
      if (count === at) hub().clock.advance(advanceMs);
      const upstream = net.connect(port, '127.0.0.1');
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((resolve) => relay!.listen(0, '127.0.0.1', resolve));
    return `https://127.0.0.1:${(relay.address() as net.AddressInfo).port}`;
  }

  const refusal = async (p: Promise<unknown>): Promise<HubRequestError> => {
    try {
      await p;
    } catch (err) {
      if (err instanceof HubRequestError) return err;
      throw err;
    }
    assert.fail('the camera was paired');
  };

  it('refuses to start an exchange once the window has expired, even with the right code', async () => {
    const window = await openPairingWindow(hub().db, WINDOW_MS, hub().clock.t);
    const base = await relayJumpingAt(1, WINDOW_MS + 1);
    const err = await refusal(pairWithHub(base, window.code, 'porch'));
    assert.equal(err.status, 403);
    assert.equal(err.code, 'PAIRING_NO_WINDOW');
    assert.equal((hub().db.prepare('SELECT COUNT(*) AS n FROM devices').get() as { n: number }).n, 0, 'no camera was added');
  });

  it('lets an exchange started in time finish after the window expired, within 60 s of its start', async () => {
    const window = await openPairingWindow(hub().db, WINDOW_MS, hub().clock.t);
    const base = await relayJumpingAt(2, WINDOW_MS + 15_000);
    const paired = await pairWithHub(base, window.code, 'porch');
    assert.ok(paired.deviceId, 'paired');
  });

  it('refuses to finish an exchange more than 60 s after its start', async () => {
    const window = await openPairingWindow(hub().db, 5 * 60_000, hub().clock.t);
    const base = await relayJumpingAt(2, 60_001);
    const err = await refusal(pairWithHub(base, window.code, 'porch'));
    assert.equal(err.status, 403);
    assert.match(err.message, /no such pairing exchange \(it expired or was used\)/);
    assert.equal((hub().db.prepare('SELECT COUNT(*) AS n FROM devices').get() as { n: number }).n, 0, 'no camera was added');
  });
});

import { strict as assert } from 'node:assert';
import { HubRequestError, pairWithHub } from '../../camera-agent/hubClient';
import { listNotices } from '../../common/notices';
import { MAX_ATTEMPTS, openPairingWindow } from '../../hub/pairing';
import { useTestHubWithUsers } from '../helpers/hub';

/*
 * The attacker's move: guess a pairing code from several addresses, so that no per-address
 * rate limit ever trips, hoping the window stays open until a guess lands. The window must
 * count every attempt, whoever made it, and close for good after MAX_ATTEMPTS. The guesses go
 * through the real camera client (OPAQUE): it learns from the hub's first answer that its code
 * is wrong and abandons the exchange, which the hub counted as it started.
 */
describe('pairing window: wrong codes from many addresses close it', function () {
  this.timeout(60_000);
  const hub = useTestHubWithUsers(['owner']);

  /** What the camera client says when it tries `code` from `localAddress`: paired, or the refusal it throws. */
  const pair = async (code: string, localAddress: string, name = 'porch'): Promise<{ status: number; code: string; message: string }> => {
    try {
      await pairWithHub(hub().base, code, name, undefined, { localAddress });
      return { status: 200, code: 'PAIRED', message: 'paired' };
    } catch (err) {
      if (err instanceof HubRequestError) return { status: err.status, code: err.code, message: err.message };
      return { status: 0, code: 'CAMERA_REFUSED', message: (err as Error).message };
    }
  };

  it(`refuses the right code after ${MAX_ATTEMPTS} wrong ones from three addresses, on a window that would take over a camera; audited, owner told`, async () => {
    const porch = await pairWithHub(hub().base, (await openPairingWindow(hub().db, 60_000)).code, 'porch');
    // A re-provision window: the right code would hand the existing camera's identity to whoever redeems it.
    const window = await openPairingWindow(hub().db, 60_000, Date.now(), porch.deviceId);
    const wrong = window.code === '00000000' ? '00000001' : '00000000';
    const addresses = ['127.0.0.2', '127.0.0.3', '127.0.0.4'];
    for (let i = 0; i < MAX_ATTEMPTS; i += 1) {
      const res = await pair(wrong, addresses[i % addresses.length]!);
      assert.equal(res.code, 'CAMERA_REFUSED', `wrong code ${i + 1}`);
      assert.match(res.message, /did not prove it knows this pairing code/);
    }
    const right = await pair(window.code, '127.0.0.5');
    assert.equal(right.status, 403, 'the right code after the window closed must not pair');
    assert.equal(right.code, 'PAIRING_NO_WINDOW');

    const row = hub().db.prepare('SELECT attempts, closed_reason FROM pairing_windows ORDER BY id DESC LIMIT 1').get() as { attempts: number; closed_reason: string };
    assert.deepEqual(row, { attempts: MAX_ATTEMPTS, closed_reason: 'too-many-attempts' });
    const devices = hub().db.prepare('SELECT token_issued_at FROM devices WHERE id = ?').get(porch.deviceId) as { token_issued_at: number };
    assert.ok(devices, 'the camera is still there');
    const closed = hub().db.prepare("SELECT actor, detail FROM audit_log WHERE action = 'pairing.closed'").all() as Array<{ actor: string; detail: string }>;
    assert.equal(closed.length, 1, 'the close is audited once');
    assert.equal(closed[0]!.actor, `ip:${addresses[(MAX_ATTEMPTS - 1) % addresses.length]}`);
    const refused = hub().db.prepare("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'pairing.refused'").get() as { n: number };
    assert.equal(refused.n, MAX_ATTEMPTS + 1, 'every refusal is audited');
    const owner = hub().db.prepare("SELECT id FROM users WHERE role = 'owner'").get() as { id: number };
    const notices = listNotices(hub().db, owner.id).filter((n) => n.kind === 'pairing-locked');
    assert.equal(notices.length, 1, 'the owner is told');
    assert.match(notices[0]!.message, new RegExp(`${MAX_ATTEMPTS} attempts.*wrong codes.*127\\.0\\.0\\.`));
  });

  it('keeps the window open after fewer wrong codes, and a rejected name does not use it up', async () => {
    const window = await openPairingWindow(hub().db, 60_000);
    const wrong = window.code === '00000000' ? '00000001' : '00000000';
    for (let i = 0; i < MAX_ATTEMPTS - 1; i += 1) assert.equal((await pair(wrong, '127.0.0.2')).code, 'CAMERA_REFUSED');
    const first = await pairWithHub(hub().base, window.code, 'porch');
    assert.ok(first.deviceId);
    const again = await openPairingWindow(hub().db, 60_000);
    const clash = await pair(again.code, '127.0.0.3');
    assert.equal(clash.status, 400, 'the name is taken');
    assert.equal(clash.code, 'PAIRING_BAD_NAME');
    const second = await pairWithHub(hub().base, again.code, 'garden');
    assert.ok(second.deviceId, 'the same code pairs with a free name');
  });
});

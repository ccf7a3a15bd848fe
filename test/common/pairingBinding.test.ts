import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { cameraProof, cameraProofMatches, openPairing, pairingKeys, signPairing, type BoundPairing } from '../../common/pairingBinding';

/*
 * The MAC and the sealed token are what stop a man in the middle who relays an honest OPAQUE
 * exchange from changing the hub's answer or reading the token (the hub's own certificate check
 * stops him first on the wire: test/hub/pairingPake.test.ts). Here, his edits one by one.
 */
describe('pairing answer bound to the OPAQUE session key', () => {
  /** A session key as OPAQUE gives one (64 bytes, base64url). */
  const session = () => randomBytes(64).toString('base64url');
  const fields: Omit<BoundPairing, 'label' | 'sealedToken'> = {
    exchangeId: 'exchange-0123456789abcdef',
    deviceId: '0f0e0d0c-0b0a-4908-8706-050403020100',
    name: 'porch',
    caPem: '-----BEGIN CERTIFICATE-----\nhub\n-----END CERTIFICATE-----\n',
    caFingerprint: 'AA:BB',
    footagePublicKey: Buffer.alloc(32, 7).toString('base64'),
    tlsFingerprint: 'CC:DD',
  };

  it('opens the answer and its token under the same session key, for the same exchange only', () => {
    const keys = pairingKeys(session());
    const signed = signPairing(keys, fields, 'the-device-token');
    assert.ok(!signed.answer.includes('the-device-token'), 'the token is not readable on the way');
    const opened = openPairing(keys, signed, fields.exchangeId);
    assert.equal(opened?.token, 'the-device-token');
    assert.equal(opened?.footagePublicKey, fields.footagePublicKey);
    assert.equal(openPairing(keys, signed, 'another-exchange-0123'), null, 'an answer replayed into another exchange');
    assert.equal(openPairing(pairingKeys(session()), signed, fields.exchangeId), null, 'another session key (a hub without the code)');
  });

  for (const field of ['footagePublicKey', 'caPem', 'caFingerprint', 'deviceId', 'tlsFingerprint'] as const) {
    it(`refuses an answer whose ${field} was swapped on the way`, () => {
      const keys = pairingKeys(session());
      const signed = signPairing(keys, fields, 'the-device-token');
      const edited = { ...(JSON.parse(signed.answer) as Record<string, unknown>), [field]: 'the attacker\'s' };
      assert.equal(openPairing(keys, { answer: JSON.stringify(edited), mac: signed.mac }, fields.exchangeId), null);
    });
  }

  it("refuses the camera's proof when its name or certificate fingerprint was changed", () => {
    const keys = pairingKeys(session());
    const proof = cameraProof(keys, 'x'.repeat(24), 'porch', 'CC:DD');
    assert.ok(cameraProofMatches(keys, 'x'.repeat(24), 'porch', 'CC:DD', proof));
    assert.ok(!cameraProofMatches(keys, 'x'.repeat(24), 'porch', 'EE:FF', proof));
    assert.ok(!cameraProofMatches(keys, 'x'.repeat(24), 'garage', 'CC:DD', proof));
  });
});

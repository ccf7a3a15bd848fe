import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { openDatabase, type DB } from '../../common/database';
import { HubSecret } from '../../hub/hubSecret';
import {
  ISSUER,
  TotpError,
  beginTotpEnrollment,
  confirmTotpEnrollment,
  disableTotp,
  regenerateRecoveryCodes,
  remainingRecoveryCodes,
  totpEnabled,
  useRecoveryCode,
  verifyTotp,
} from '../../hub/totp';
import { addUser } from '../../hub/users';
import { useTempDir } from '../helpers/tmp';
import { oathtool } from '../helpers/oathtool';

const STEP_MS = 30_000;
/** A fake clock 10 s into a 30-s step, so ± a few seconds never crosses a step boundary. */
const T0 = Date.UTC(2026, 0, 1, 0, 0, 40);

/** A 6-digit code that is none of the valid ones around `ms`. */
function wrongCode(seed: string, ms: number): string {
  const valid = new Set([-1, 0, 1].map((d) => oathtool(seed, ms + d * STEP_MS)));
  for (let n = 0; ; n++) {
    const candidate = String(n).padStart(6, '0');
    if (!valid.has(candidate)) return candidate;
  }
}

describe('hub TOTP two-factor authentication', function () {
  this.timeout(60_000);
  const tmp = useTempDir();
  let db: DB;
  let hubSecret: HubSecret;
  let userId: number;

  beforeEach(async () => {
    db = openDatabase(path.join(tmp.dir, 'hub.db'));
    hubSecret = await HubSecret.load(path.join(tmp.dir, 'keys', 'hub.key'));
    userId = (await addUser(db, 'alice@example.org', 'a long enough password', 'owner')).id;
  });

  afterEach(() => {
    db.close();
  });

  function row(): { totp_secret_sealed: string | null; totp_enabled_at: number | null; totp_last_step: number | null } {
    return db.prepare('SELECT totp_secret_sealed, totp_enabled_at, totp_last_step FROM users WHERE id = ?').get(userId) as never;
  }

  /** Enrolls alice at T0 and returns her seed and recovery codes. */
  async function enroll(): Promise<{ seed: string; recoveryCodes: string[] }> {
    const { secret: seed } = await beginTotpEnrollment(db, hubSecret, { id: userId, username: 'alice@example.org' }, T0);
    const { recoveryCodes } = await confirmTotpEnrollment(db, hubSecret, userId, oathtool(seed, T0), T0);
    return { seed, recoveryCodes };
  }

  it('starts enrollment with a base32 seed, an otpauth URI and an SVG QR code, storing the seed only sealed', async () => {
    const e = await beginTotpEnrollment(db, hubSecret, { id: userId, username: 'alice@example.org' }, T0);
    assert.match(e.secret, /^[A-Z2-7]{32}$/);
    const uri = new URL(e.otpauthUri);
    assert.equal(uri.protocol, 'otpauth:');
    assert.equal(uri.host, 'totp');
    assert.equal(uri.searchParams.get('secret'), e.secret);
    assert.equal(uri.searchParams.get('issuer'), ISSUER);
    assert.equal(ISSUER, 'Porchlight');
    assert.match(decodeURIComponent(uri.pathname), /^\/Porchlight:alice@example\.org$/);

    const prefix = 'data:image/svg+xml;base64,';
    assert.ok(e.qrSvgDataUrl.startsWith(prefix));
    const svg = Buffer.from(e.qrSvgDataUrl.slice(prefix.length), 'base64').toString('utf8');
    assert.match(svg, /<svg[\s>]/);
    assert.match(svg, /<\/svg>\s*$/);

    const stored = row();
    assert.equal(stored.totp_enabled_at, null);
    assert.ok(stored.totp_secret_sealed);
    const everything = JSON.stringify(db.prepare('SELECT * FROM users WHERE id = ?').get(userId));
    assert.ok(!everything.includes(e.secret), 'the plain seed must not be in the users row');
    assert.ok(!everything.toLowerCase().includes(e.secret.toLowerCase()));
    assert.equal(hubSecret.open(stored.totp_secret_sealed), e.secret);
    assert.equal(totpEnabled(db, userId), false);
  });

  it('a pending enrollment does not count: verification fails until it is confirmed', async () => {
    const { secret: seed } = await beginTotpEnrollment(db, hubSecret, { id: userId, username: 'alice@example.org' }, T0);
    assert.equal(await verifyTotp(db, hubSecret, userId, oathtool(seed, T0), T0), false);
  });

  it('confirms with an oathtool code, then verifies later codes; the same code twice is refused', async () => {
    const { seed, recoveryCodes } = await enroll();
    assert.equal(totpEnabled(db, userId), true);
    assert.equal(row().totp_enabled_at, T0);
    assert.equal(row().totp_last_step, Math.floor(T0 / STEP_MS));
    assert.equal(recoveryCodes.length, 10);

    // The code that confirmed enrollment cannot be replayed to sign in.
    assert.equal(await verifyTotp(db, hubSecret, userId, oathtool(seed, T0), T0 + 5_000), false);

    const later = T0 + 5 * STEP_MS;
    const code = oathtool(seed, later);
    assert.equal(await verifyTotp(db, hubSecret, userId, code, later), true);
    assert.equal(row().totp_last_step, Math.floor(later / STEP_MS));
    assert.equal(await verifyTotp(db, hubSecret, userId, code, later), false);
    assert.equal(await verifyTotp(db, hubSecret, userId, code, later + 10_000), false);
  });

  it('accepts spaces around and inside a code, refuses malformed ones', async () => {
    const { seed } = await enroll();
    const at = T0 + 4 * STEP_MS;
    for (const bad of ['', '12345', '1234567', 'abcdef', '12a456']) {
      assert.equal(await verifyTotp(db, hubSecret, userId, bad, at), false, bad);
    }
    const code = oathtool(seed, at);
    assert.equal(await verifyTotp(db, hubSecret, userId, `  ${code.slice(0, 3)} ${code.slice(3)} `, at), true);
  });

  it('allows one step of clock drift either way but not three, and never an older step after a newer one', async () => {
    const { seed } = await enroll();
    const s = (n: number): number => T0 + n * STEP_MS;

    // Phone one step behind the hub.
    assert.equal(await verifyTotp(db, hubSecret, userId, oathtool(seed, s(2)), s(3)), true);
    // Three steps behind: out of the window.
    assert.equal(await verifyTotp(db, hubSecret, userId, oathtool(seed, s(3)), s(6)), false);
    // Phone one step ahead.
    assert.equal(await verifyTotp(db, hubSecret, userId, oathtool(seed, s(7)), s(6)), true);
    // Two steps ahead: out of the window.
    assert.equal(await verifyTotp(db, hubSecret, userId, oathtool(seed, s(9)), s(7)), false);

    // Once step 11 was used, step 10 is refused even though it is inside the window.
    assert.equal(await verifyTotp(db, hubSecret, userId, oathtool(seed, s(11)), s(11)), true);
    assert.equal(await verifyTotp(db, hubSecret, userId, oathtool(seed, s(10)), s(11)), false);
  });

  it('refuses a wrong code, at enrollment and at sign-in', async () => {
    const { secret: seed } = await beginTotpEnrollment(db, hubSecret, { id: userId, username: 'alice@example.org' }, T0);
    await assert.rejects(confirmTotpEnrollment(db, hubSecret, userId, wrongCode(seed, T0), T0), TotpError);
    assert.equal(totpEnabled(db, userId), false);
    await confirmTotpEnrollment(db, hubSecret, userId, oathtool(seed, T0), T0);
    const at = T0 + 3 * STEP_MS;
    assert.equal(await verifyTotp(db, hubSecret, userId, wrongCode(seed, at), at), false);
    assert.equal(row().totp_last_step, Math.floor(T0 / STEP_MS), 'a wrong code must not move the replay marker');
  });

  it('lets exactly one of several concurrent requests with the same code through', async () => {
    const { seed } = await enroll();
    const at = T0 + 2 * STEP_MS;
    const code = oathtool(seed, at);
    const results = await Promise.all([1, 2, 3].map(() => verifyTotp(db, hubSecret, userId, code, at)));
    assert.deepEqual(results.filter(Boolean).length, 1);
  });

  it('restarting a pending enrollment replaces the seed; enrolling again while enabled is refused', async () => {
    const user = { id: userId, username: 'alice@example.org' };
    const first = await beginTotpEnrollment(db, hubSecret, user, T0);
    const second = await beginTotpEnrollment(db, hubSecret, user, T0);
    assert.notEqual(first.secret, second.secret);
    await assert.rejects(confirmTotpEnrollment(db, hubSecret, userId, oathtool(first.secret, T0), T0), TotpError);
    await confirmTotpEnrollment(db, hubSecret, userId, oathtool(second.secret, T0), T0);

    await assert.rejects(beginTotpEnrollment(db, hubSecret, user, T0), (err: unknown) => {
      assert.ok(err instanceof TotpError);
      assert.match(err.message, /turn it off/);
      return true;
    });
    await assert.rejects(confirmTotpEnrollment(db, hubSecret, userId, oathtool(second.secret, T0 + STEP_MS), T0 + STEP_MS), TotpError);
    assert.equal(hubSecret.open(row().totp_secret_sealed!), second.secret, 'a refused restart leaves the working seed alone');
  });

  it('confirming without a pending enrollment is refused', async () => {
    await assert.rejects(confirmTotpEnrollment(db, hubSecret, userId, '123456', T0), TotpError);
  });

  it('issues 10 distinct recovery codes, each usable once, in any case and with or without the dash', async () => {
    const { recoveryCodes } = await enroll();
    assert.equal(new Set(recoveryCodes).size, 10);
    for (const c of recoveryCodes) assert.match(c, /^[a-z2-7]{5}-[a-z2-7]{5}$/);
    assert.equal(remainingRecoveryCodes(db, userId), 10);

    const stored = db.prepare('SELECT code_hash FROM recovery_codes WHERE user_id = ?').all(userId) as { code_hash: string }[];
    assert.equal(stored.length, 10);
    for (const c of recoveryCodes) {
      assert.ok(!stored.some((r) => r.code_hash.includes(c.replace('-', ''))), 'recovery codes are stored only hashed');
    }

    const [a, b, c, ...rest] = recoveryCodes as [string, string, string, ...string[]];
    assert.equal(useRecoveryCode(db, userId, a, T0), true);
    assert.equal(useRecoveryCode(db, userId, a, T0), false);
    assert.equal(useRecoveryCode(db, userId, `  ${b.toUpperCase()}  `, T0), true);
    assert.equal(useRecoveryCode(db, userId, b, T0), false);
    assert.equal(useRecoveryCode(db, userId, c.replace('-', '').toUpperCase(), T0), true);
    assert.equal(useRecoveryCode(db, userId, c, T0), false);
    assert.equal(remainingRecoveryCodes(db, userId), 7);
    for (const r of rest) assert.equal(useRecoveryCode(db, userId, r, T0), true);
    assert.equal(remainingRecoveryCodes(db, userId), 0);

    assert.equal(useRecoveryCode(db, userId, 'aaaaa-aaaaa', T0), false);
    assert.equal(useRecoveryCode(db, userId, 'not a code', T0), false);
    assert.equal(useRecoveryCode(db, userId, '', T0), false);
  });

  it("recovery codes are bound to their user and regenerating replaces them all", async () => {
    const { recoveryCodes } = await enroll();
    const bob = await addUser(db, 'bob', 'another long password', 'member');
    assert.equal(useRecoveryCode(db, bob.id, recoveryCodes[0]!, T0), false);
    assert.throws(() => regenerateRecoveryCodes(db, bob.id), TotpError);

    assert.equal(useRecoveryCode(db, userId, recoveryCodes[0]!, T0), true);
    const fresh = regenerateRecoveryCodes(db, userId);
    assert.equal(fresh.length, 10);
    assert.equal(remainingRecoveryCodes(db, userId), 10);
    assert.equal(useRecoveryCode(db, userId, recoveryCodes[1]!, T0), false);
    assert.equal(useRecoveryCode(db, userId, fresh[0]!, T0), true);
  });

  it('disabling clears the seed, the replay marker and the recovery codes', async () => {
    const { seed, recoveryCodes } = await enroll();
    disableTotp(db, userId);
    assert.equal(totpEnabled(db, userId), false);
    assert.deepEqual(row(), { totp_secret_sealed: null, totp_enabled_at: null, totp_last_step: null });
    assert.equal(remainingRecoveryCodes(db, userId), 0);
    assert.equal((db.prepare('SELECT COUNT(*) AS n FROM recovery_codes WHERE user_id = ?').get(userId) as { n: number }).n, 0);
    const at = T0 + 2 * STEP_MS;
    assert.equal(await verifyTotp(db, hubSecret, userId, oathtool(seed, at), at), false);
    assert.equal(useRecoveryCode(db, userId, recoveryCodes[0]!, at), false);

    // And it can be set up again afterwards.
    const again = await beginTotpEnrollment(db, hubSecret, { id: userId, username: 'alice@example.org' }, at);
    await confirmTotpEnrollment(db, hubSecret, userId, oathtool(again.secret, at), at);
    assert.equal(totpEnabled(db, userId), true);
  });

  it('a sealed seed cannot be opened with another hub secret key', async () => {
    const { seed } = await enroll();
    const other = await HubSecret.load(path.join(tmp.dir, 'other', 'hub.key'));
    const sealed = row().totp_secret_sealed!;
    assert.equal(hubSecret.open(sealed), seed);
    assert.throws(() => other.open(sealed));
    const at = T0 + 2 * STEP_MS;
    await assert.rejects(verifyTotp(db, other, userId, oathtool(seed, at), at), (err: unknown) => {
      assert.ok(err instanceof Error);
      assert.ok(!err.message.includes(seed), 'the error must not reveal the seed');
      assert.match(err.message, /secret key/);
      return true;
    });
  });
});

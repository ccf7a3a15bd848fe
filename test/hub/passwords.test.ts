import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { hashPassword, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, passwordProblem, verifyPassword } from '../../hub/passwords';
import { MAX_WAITING, PasswordWorkBusy } from '../../hub/passwordWorkerPool';

const COMMON = 'this password is one of the most common passwords; choose another';

describe('password rules', () => {
  it('keeps the length limits', () => {
    assert.equal(MIN_PASSWORD_LENGTH, 10);
    assert.equal(passwordProblem('short'), 'the password must have at least 10 characters');
    assert.equal(passwordProblem('x'.repeat(MAX_PASSWORD_LENGTH) + 'y'), `the password must have at most ${MAX_PASSWORD_LENGTH} characters`);
  });

  it('refuses common passwords, also when typed with capitals', () => {
    // All three are (lower-cased) in Mozilla's list; "Password123" itself is not, "password123" is.
    for (const pw of ['password1234', 'qwertyuiop', 'Password123', 'PASSWORD1234', '1234567890', 'basketball']) {
      assert.equal(passwordProblem(pw), COMMON, pw);
    }
  });

  it('refuses a single repeated character', () => {
    assert.equal(passwordProblem('zzzzzzzzzzzzzzzz'), 'this password repeats a single character; choose another');
    assert.equal(passwordProblem('🔥'.repeat(10)), 'this password repeats a single character; choose another');
  });

  it('refuses passwords built from the user name or the email local part', () => {
    assert.equal(passwordProblem('Margaret2024!!', { username: 'margaret' }), 'this password contains your user name; choose another');
    assert.equal(passwordProblem('xx-porchfan-xx', { email: 'PorchFan@home.example' }), 'this password contains your email address; choose another');
    assert.equal(passwordProblem('porchfan@home.example', { email: 'porchfan@home.example' }), 'this password contains your email address; choose another');
    // Names shorter than 4 characters are not looked for.
    assert.equal(passwordProblem('bobcat runs far', { username: 'bob', email: 'bob@home.example' }), null);
  });

  it('accepts a long random passphrase', () => {
    assert.equal(passwordProblem('copper lantern drifts over quiet harbor', { username: 'alice', email: 'alice@home.example' }), null);
    assert.equal(passwordProblem(randomBytes(18).toString('base64url')), null);
    assert.equal(passwordProblem('a long enough password'), null);
  });

  it('still hashes and verifies passwords', async () => {
    const hash = await hashPassword('copper lantern drifts');
    assert.equal(await verifyPassword(hash, 'copper lantern drifts'), true);
    assert.equal(await verifyPassword(hash, 'copper lantern drift'), false);
  });

  it('refuses password work at once, 503 with Retry-After, once 32 jobs wait: a flood of sign-ins queues nothing more', async () => {
    // All asked in one go, as parallel sign-ins arrive: one runs, MAX_WAITING wait, the rest are
    // turned away without waiting for anything. (A hash that is not one fails fast in the worker.)
    const flood = Array.from({ length: MAX_WAITING + 9 }, () => verifyPassword('not a hash', 'a guess').then(() => 'checked', (err: unknown) => err));
    const outcomes = await Promise.all(flood);
    assert.equal(outcomes.filter((o) => o === 'checked').length, MAX_WAITING + 1);
    const refused = outcomes.filter((o) => o !== 'checked');
    assert.equal(refused.length, 8);
    for (const err of refused) {
      assert.ok(err instanceof PasswordWorkBusy, String(err));
      assert.equal(err.statusCode, 503);
      assert.equal(err.headers['retry-after'], '5');
    }
    assert.equal(await verifyPassword('not a hash', 'a guess'), false, 'the worker takes new work once the queue has drained');
  });
});

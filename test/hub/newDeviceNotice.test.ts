import { strict as assert } from 'node:assert';
import { FORGOTTEN_NOTE_MS, mentionsForgottenBrowsers, newDeviceNoticeText, noticeDue } from '../../hub/newDeviceNotice';

describe('new-device notice policy', () => {
  const signIn = { username: 'nina', userAgent: 'Firefox', ip: '192.168.1.30', at: Date.UTC(2026, 11, 6) };

  it("stays quiet on an account's very first sign-in ever and on a browser it knows, and tells of any other", () => {
    assert.equal(noticeDue({ signedInBefore: false, browsersForgottenAt: null }, true), false);
    assert.equal(noticeDue({ signedInBefore: true, browsersForgottenAt: null }, false), false);
    assert.equal(noticeDue({ signedInBefore: true, browsersForgottenAt: null }, true), true);
    // The upgrade emptied the account's browsers: its next sign-in is still not its first.
    assert.equal(noticeDue({ signedInBefore: true, browsersForgottenAt: signIn.at - 1000 }, true), true);
  });

  it('says the update forgot the browsers for as long as a browser cookie lives, then speaks plainly', () => {
    const forgotten = { signedInBefore: true, browsersForgottenAt: signIn.at - 1000 };
    const soon = newDeviceNoticeText(signIn, forgotten);
    assert.match(soon.subject, /first since the update/);
    assert.match(soon.message, /installed by 2026-12-05.*may be one of yours/);
    assert.match(soon.message, /If this was not you, sign out all sessions and change your password/);
    const late = { ...signIn, at: forgotten.browsersForgottenAt + FORGOTTEN_NOTE_MS };
    assert.equal(mentionsForgottenBrowsers(forgotten, late.at), false);
    assert.doesNotMatch(newDeviceNoticeText(late, forgotten).message, /update/);
    assert.equal(newDeviceNoticeText(signIn, { signedInBefore: true, browsersForgottenAt: null }).subject, 'Porchlight: new sign-in');
  });
});

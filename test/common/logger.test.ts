import { strict as assert } from 'node:assert';
import { Writable } from 'node:stream';
import pino from 'pino';
import { SECRET_REDACTION } from '../../common/logger';

describe('logger redaction: secrets by name, and nothing else', () => {
  function logged(obj: Record<string, unknown>): Record<string, unknown> {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(chunk.toString()), done()) });
    pino({ redact: SECRET_REDACTION }, sink).warn(obj, 'x');
    return JSON.parse(lines[0]!) as Record<string, unknown>;
  }

  it('hides passwords, tokens, one-time codes and cookies, at the top and one level down', () => {
    const out = logged({ password: 'hunter22 long', token: 'tok', pairingCode: '12345678', body: { totpCode: '123456', recoveryCode: 'abcd' }, headers: { cookie: 'sid=1', authorization: 'Bearer x' } });
    const text = JSON.stringify(out);
    for (const secret of ['hunter22 long', 'tok"', '12345678', '123456', 'abcd', 'sid=1', 'Bearer x']) assert.ok(!text.includes(secret), `${secret} leaked: ${text}`);
    assert.equal(out.pairingCode, '[HIDDEN]');
  });

  it("keeps why something failed: an ffmpeg exit code, an errno, a hub refusal code", () => {
    const out = logged({ code: 'CLIP_TOO_BIG', status: 413, exit: { code: 1 }, err: { message: 'listen EADDRINUSE', code: 'EADDRINUSE' } });
    assert.equal(out.code, 'CLIP_TOO_BIG');
    assert.deepEqual(out.exit, { code: 1 });
    assert.equal((out.err as { code: string }).code, 'EADDRINUSE');
  });
});

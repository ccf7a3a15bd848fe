import { strict as assert } from 'node:assert';
import { parseCredentials, redactCredentials, urlForDisplay, urlWithCredentials } from '../../camera-agent/sources/credentials';
import { SourceError } from '../../camera-agent/sourceErrors';

// What the agent logs and reports about a camera: ffmpeg's errors and the camera's URL.
describe('camera credentials (pure)', () => {
  it('reads user:password on one line, or username and password as YAML or JSON', () => {
    assert.deepEqual(parseCredentials('admin:pa:ss/word@1\n', 'f'), { user: 'admin', password: 'pa:ss/word@1' });
    assert.deepEqual(parseCredentials('username: admin\npassword: 1234\n', 'f'), { user: 'admin', password: '1234' });
    assert.deepEqual(parseCredentials('{"user": "porch", "password": "x y"}', 'f'), { user: 'porch', password: 'x y' });
  });

  it('refuses an empty file, a line without a colon, and YAML without both fields, naming the file', () => {
    assert.throws(() => parseCredentials('  \n', '/etc/cam'), (e: unknown) => e instanceof SourceError && /\/etc\/cam is empty/.test(e.message));
    assert.throws(() => parseCredentials('justapassword', '/etc/cam'), /\/etc\/cam must hold user:password/);
    assert.throws(() => parseCredentials('username: admin\nport: 554\n', '/etc/cam'), /must have a username and a password/);
  });

  it('takes a password with an unescaped / or @ out of a URL in ffmpeg\'s words, and the password wherever else it appears', () => {
    const said = 'rtsp://admin:Pass/word@10.0.0.5:554/stream1: 401 Unauthorized; rtsp://admin:p@ss@cam/x; password Pass/word';
    const out = redactCredentials(said, { user: 'admin', password: 'Pass/word' });
    assert.doesNotMatch(out, /Pass\/word|p@ss|ss@cam/);
    assert.match(out, /rtsp:\/\/\*\*\*@10\.0\.0\.5:554\/stream1: 401 Unauthorized/);
    assert.doesNotMatch(redactCredentials('rtsp://u:Secret%2F1@h/s'), /Secret/);
  });

  it('puts credentials only into the URL given to ffmpeg, and shows the URL without them', () => {
    const withThem = urlWithCredentials('rtsp://10.0.0.5:554/Streaming/Channels/101', { user: 'ad min', password: 'p@ss/word' });
    assert.equal(withThem, 'rtsp://ad%20min:p%40ss%2Fword@10.0.0.5:554/Streaming/Channels/101');
    assert.equal(urlForDisplay(withThem), 'rtsp://10.0.0.5:554/Streaming/Channels/101');
    assert.doesNotMatch(urlForDisplay('rtsp://admin:pa ss@[bad'), /pa ss/);
  });
});

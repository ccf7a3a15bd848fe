import { strict as assert } from 'node:assert';
import { GENERIC_NOTICE, noticeFromPush, safeImage, safeLink } from '../../hub/ui/worker/pushNotice';

describe('what the service worker shows for a push', () => {
  const camera = '3f2b9c1e-7a4d-4e2a-9b1c-0d5e6f7a8b9c';

  it("shows the hub's title, body and link, tagged by kind and camera so a repeat replaces the last", () => {
    const at = Date.UTC(2026, 11, 6, 9, 2);
    const shown = noticeFromPush(JSON.stringify({ title: 'Person at the porch, 14:32', body: 'porch: tap to see the clip', url: `/#/timeline?camera=${camera}&at=${at}`, kind: 'object', at }));
    assert.deepEqual(shown, { title: 'Person at the porch, 14:32', body: 'porch: tap to see the clip', tag: `object:${camera}`, url: `/#/timeline?camera=${camera}&at=${at}`, timestamp: at });
    const other = noticeFromPush(JSON.stringify({ title: 'Motion at the garden', body: '14:33', url: '/#/live?camera=another', kind: 'motion', at }));
    assert.equal(other.tag, 'motion:another', 'another camera does not replace the porch');
    assert.equal(noticeFromPush(JSON.stringify({ title: 'Porchlight is armed (away)', body: 'Set by owner, 14:32', url: '/#/dashboard', kind: 'arming', at })).tag, 'arming');
  });

  it('shows a plain Porchlight notice, never nothing, for a payload that is not the hub\'s', () => {
    for (const text of [null, '', 'not json', '[]', '"a string"', '{}', JSON.stringify({ title: '   ', body: 'x' }), JSON.stringify({ title: 5 })]) {
      assert.deepEqual(noticeFromPush(text), GENERIC_NOTICE, String(text));
    }
  });

  it('sends a tap only to a path on the hub\'s own page: a link elsewhere opens the page', () => {
    for (const url of ['https://evil.example/', '//evil.example/x', 'javascript:alert(1)', '/\\evil.example', '/\t/evil.example', '/\n/evil.example', '/\r\n/evil.example', ' //evil.example', '/%09/x'.replace('%09', '\u0009'), 42]) {
      assert.equal(safeLink(url), null, String(url));
      assert.equal(noticeFromPush(JSON.stringify({ title: 'Motion', body: '', url, kind: 'motion', at: 1 })).url, '/', String(url));
    }
    assert.equal(safeLink('/#/live?camera=x'), '/#/live?camera=x');
    assert.equal(safeLink('/#/timeline?camera=a&at=1765000000000'), '/#/timeline?camera=a&at=1765000000000');
    // What a window would really open for each refused link is another site: the test's own check.
    assert.equal(new URL('/\t/evil.example', 'https://hub.example').host, 'evil.example');
  });

  it('keeps a long title or body within bounds and ignores an odd kind or time', () => {
    const shown = noticeFromPush(JSON.stringify({ title: 'x'.repeat(5000), body: 'y'.repeat(5000), url: '/', kind: '<b>', at: 'soon' }));
    assert.equal(shown.title.length, 200);
    assert.equal(shown.body.length, 1000);
    assert.equal(shown.tag, 'notice');
    assert.equal(shown.timestamp, undefined);
  });

  it("shows the owner's opt-in picture only as a JPEG inside the payload, never a picture fetched from elsewhere", () => {
    const jpeg = `data:image/jpeg;base64,${Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]).toString('base64')}`;
    const shown = noticeFromPush(JSON.stringify({ title: 'Person at the porch, 14:32', body: '', url: '/', kind: 'object', at: 1, image: jpeg }));
    assert.equal(shown.image, jpeg);
    for (const image of ['https://tracker.example/p.jpg', '/thumbs/1.jpg', 'data:image/svg+xml;base64,PHN2Zz4=', 'data:text/html;base64,PGI+', `${jpeg}"onerror`, `data:image/jpeg;base64,${'A'.repeat(5000)}`, 7]) {
      assert.equal(safeImage(image), null, String(image).slice(0, 60));
      assert.equal(noticeFromPush(JSON.stringify({ title: 'Motion', url: '/', kind: 'motion', at: 1, image })).image, undefined);
    }
    assert.equal(noticeFromPush(JSON.stringify({ title: 'Motion', url: '/', kind: 'motion', at: 1 })).image, undefined, 'none by default');
  });
});

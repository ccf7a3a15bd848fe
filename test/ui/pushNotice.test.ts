import { strict as assert } from 'node:assert';
import { GENERIC_NOTICE, noticeFromPush, safeLink } from '../../hub/ui/worker/pushNotice';

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
    for (const url of ['https://evil.example/', '//evil.example/x', 'javascript:alert(1)', '/\\evil.example', 42]) {
      assert.equal(safeLink(url), null, String(url));
      assert.equal(noticeFromPush(JSON.stringify({ title: 'Motion', body: '', url, kind: 'motion', at: 1 })).url, '/', String(url));
    }
    assert.equal(safeLink('/#/live?camera=x'), '/#/live?camera=x');
  });

  it('keeps a long title or body within bounds and ignores an odd kind or time', () => {
    const shown = noticeFromPush(JSON.stringify({ title: 'x'.repeat(5000), body: 'y'.repeat(5000), url: '/', kind: '<b>', at: 'soon' }));
    assert.equal(shown.title.length, 200);
    assert.equal(shown.body.length, 1000);
    assert.equal(shown.tag, 'notice');
    assert.equal(shown.timestamp, undefined);
  });
});

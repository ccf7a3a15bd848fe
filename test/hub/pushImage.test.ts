import { strict as assert } from 'node:assert';
import { MAX_PUSH_PLAINTEXT_BYTES, type PushPayload } from '../../common/api/push';
import { dataUrl, DATA_URL_PREFIX, fitPushImage, imageBudget, payloadBytes, PUSH_IMAGE_STEPS } from '../../hub/pushImage';

describe('the picture in a push: shrunk until the whole payload fits one Web Push record, or left out', () => {
  const payload: PushPayload = { title: 'Person at the porch, 14:32', body: 'porch: tap to see the clip', url: '/#/timeline?camera=0b5e&at=1796585520000', kind: 'motion', at: 1796585520000 };
  const jpegOf = (bytes: number) => Buffer.concat([Buffer.from([0xff, 0xd8]), Buffer.alloc(Math.max(0, bytes - 2), 0x41)]);

  it('the limit is RFC 8291\'s 3993 bytes of plaintext: 4096 less the header (86), the tag (16) and the delimiter (1)', () => {
    assert.equal(MAX_PUSH_PLAINTEXT_BYTES, 3993);
  });

  it('the budget is exact: a JPEG of the budget fits, one 3 bytes larger does not', () => {
    const budget = imageBudget(payload);
    assert.ok(budget > 2000 && budget < 3000, String(budget));
    assert.ok(payloadBytes(payload, dataUrl(jpegOf(budget))) <= MAX_PUSH_PLAINTEXT_BYTES);
    assert.ok(payloadBytes(payload, dataUrl(jpegOf(budget + 3))) > MAX_PUSH_PLAINTEXT_BYTES);
  });

  it('takes the first step that fits, and stops there', async () => {
    const asked: number[] = [];
    const sizes = [6000, 3500, 1500, 900, 500];
    const url = await fitPushImage(jpegOf(20_000), payload, async (_jpeg, step) => {
      asked.push(step.width);
      return jpegOf(sizes[PUSH_IMAGE_STEPS.indexOf(step)]!);
    });
    assert.deepEqual(asked, [192, 160, 128]);
    assert.ok(url?.startsWith(DATA_URL_PREFIX));
    assert.equal(Buffer.from(url!.slice(DATA_URL_PREFIX.length), 'base64').length, 1500);
    assert.ok(payloadBytes(payload, url!) <= MAX_PUSH_PLAINTEXT_BYTES);
  });

  it('leaves the picture out when even the smallest step is too big, when the words leave no room, or when ffmpeg made nothing', async () => {
    assert.equal(await fitPushImage(jpegOf(20_000), payload, async () => jpegOf(5000)), null);
    const wordy = { ...payload, body: 'x'.repeat(MAX_PUSH_PLAINTEXT_BYTES) };
    let asked = 0;
    assert.equal(await fitPushImage(jpegOf(20_000), wordy, async () => (asked++, jpegOf(100))), null);
    assert.equal(asked, 0, 'no ffmpeg run for a picture that cannot fit');
    assert.equal(await fitPushImage(jpegOf(20_000), payload, async () => null), null);
  });
});

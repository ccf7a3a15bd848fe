// Porchlight's app icons, drawn here as PNGs at build time (no image files to download or keep
// in step): a warm porch light on the page's dark header colour. PNG is written by hand (a few
// chunks around zlib's deflate), so the build needs no image library.
import { crc32, deflateSync } from 'node:zlib';

const DARK = [0x1b, 0x1f, 0x24];
const LIGHT = [0xf5, 0xa6, 0x23];
const GLOW = [0x4a, 0x3b, 0x22];

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([length, body, crc]);
}

/** An RGB PNG of size×size from a function giving each pixel's colour. */
function png(size, pixel) {
  const raw = Buffer.alloc((size * 3 + 1) * size);
  for (let y = 0; y < size; y++) {
    const row = y * (size * 3 + 1);
    raw[row] = 0; // filter: none
    for (let x = 0; x < size; x++) raw.set(pixel(x, y), row + 1 + x * 3);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

const mix = (a, b, t) => a.map((v, i) => Math.round(v + (b[i] - v) * t));

/**
 * The light: a disc with a soft glow around it. `scale` is the share of the icon it may use:
 * a maskable icon keeps everything inside the middle 80% (the platform crops the rest).
 */
function icon(size, scale) {
  const c = size / 2;
  const r = size * 0.2 * scale;
  const glow = size * 0.36 * scale;
  return png(size, (x, y) => {
    const d = Math.hypot(x + 0.5 - c, y + 0.5 - c);
    if (d <= r - 0.5) return LIGHT;
    if (d <= r + 0.5) return mix(LIGHT, GLOW, d - (r - 0.5)); // antialiased edge
    if (d <= glow) return mix(GLOW, DARK, (d - r) / (glow - r));
    return DARK;
  });
}

/** File name → PNG bytes, as the manifest and index.html name them. */
export function appIcons() {
  return {
    'icon-192.png': icon(192, 1),
    'icon-512.png': icon(512, 1),
    'icon-maskable-512.png': icon(512, 0.8),
    // iOS ignores the manifest's icons and rounds this one's corners itself.
    'apple-touch-icon.png': icon(180, 1),
  };
}

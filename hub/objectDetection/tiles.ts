/*
 * Tiling: the model sees every picture at 512×512, so a person 60 px tall in a 768×576 frame
 * is about 50 px to it. Looking again at overlapping quarters of the frame (each enlarged to
 * the model's size) shows such a person about 1.6 times larger. The tiles overlap so that
 * anyone on a seam is whole in at least one of them or in the whole-frame look.
 */

/** A crop of the picture in pixels: left, top, width, height. */
export type Tile = [number, number, number, number];

/** A 2×2 grid of tiles covering a `width` × `height` picture, each `share` of each side (> 0.5: they overlap). */
export function tileGrid(width: number, height: number, share = 0.6): Tile[] {
  if (!(share > 0.5 && share <= 1)) throw new RangeError(`tile share ${share} must be more than 0.5 (tiles overlap) and at most 1`);
  const tw = Math.round(width * share);
  const th = Math.round(height * share);
  const xs = [0, width - tw];
  const ys = [0, height - th];
  return ys.flatMap((y) => xs.map((x): Tile => [x, y, tw, th]));
}

/**
 * Whether a box found in a tile (pixels, in the tile's own coordinates) touches one of the
 * tile's inner edges — an edge that is not also the picture's. Such a box is likely a part of
 * an object cut by the crop; the whole-frame look or the neighbouring tile sees it whole.
 */
export function touchesInnerEdge(box: readonly number[], tile: Tile, width: number, height: number, slack = 2): boolean {
  const [x = 0, y = 0, w = 0, h = 0] = box;
  const [tx, ty, tw, th] = tile;
  const left = tx > 0 && x <= slack;
  const top = ty > 0 && y <= slack;
  const right = tx + tw < width && x + w >= tw - slack;
  const bottom = ty + th < height && y + h >= th - slack;
  return left || top || right || bottom;
}

/** Copies a tile out of a packed RGB picture. */
export function cropRgb(rgb: Uint8Array, width: number, tile: Tile): Uint8Array {
  const [tx, ty, tw, th] = tile;
  const out = new Uint8Array(tw * th * 3);
  for (let row = 0; row < th; row++) {
    const from = ((ty + row) * width + tx) * 3;
    out.set(rgb.subarray(from, from + tw * 3), row * tw * 3);
  }
  return out;
}

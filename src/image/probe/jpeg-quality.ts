/**
 * Estimates the IJG quality setting (1..100) a JPEG was written with, from its quantisation
 * tables.
 *
 * Method: libjpeg (and libjpeg-turbo, mozjpeg in its libjpeg-compatible mode, sharp, GIMP,
 * ImageMagick, PIL...) derive their tables from the two example tables of ITU-T T.81 Annex K,
 * scaled by a factor that depends on the quality q (jcparam.c, `jpeg_quality_scaling`):
 *   scale = q < 50 ? floor(5000 / q) : 200 - 2q
 *   entry = clamp(floor((base * scale + 50) / 100), 1, 255)   (32767 for 16-bit tables)
 * For every q in 1..100 we build the luminance table (and the chrominance table when the image
 * has one) and sum the absolute differences with the file's tables; the q with the smallest sum
 * wins (ties go to the higher q). A file written by an IJG-style encoder gives a sum of 0 at
 * exactly the quality it was written with. Tables from other encoders (mozjpeg's default
 * tables, cameras, Photoshop) give the IJG quality whose tables are closest, which is the usual
 * meaning of "JPEG quality" for such files.
 */

/** ITU-T T.81 Annex K.1, luminance, natural (row-major) order. */
const STD_LUMINANCE = [
  16, 11, 10, 16, 24, 40, 51, 61,
  12, 12, 14, 19, 26, 58, 60, 55,
  14, 13, 16, 24, 40, 57, 69, 56,
  14, 17, 22, 29, 51, 87, 80, 62,
  18, 22, 37, 56, 68, 109, 103, 77,
  24, 35, 55, 64, 81, 104, 113, 92,
  49, 64, 78, 87, 103, 121, 120, 101,
  72, 92, 95, 98, 112, 100, 103, 99,
];

/** ITU-T T.81 Annex K.2, chrominance, natural order. */
const STD_CHROMINANCE = [
  17, 18, 24, 47, 99, 99, 99, 99,
  18, 21, 26, 66, 99, 99, 99, 99,
  24, 26, 56, 99, 99, 99, 99, 99,
  47, 66, 99, 99, 99, 99, 99, 99,
  99, 99, 99, 99, 99, 99, 99, 99,
  99, 99, 99, 99, 99, 99, 99, 99,
  99, 99, 99, 99, 99, 99, 99, 99,
  99, 99, 99, 99, 99, 99, 99, 99,
];

/** A quantisation table in natural order, as DQT defined it. */
export interface QuantTable {
  /** 64 entries, row-major. */
  readonly values: readonly number[];
  /** 8 or 16 (DQT Pq 0 or 1). */
  readonly bits: 8 | 16;
}

/** ZIGZAG[k] is the natural (row-major) index of the k-th coefficient in DQT/zig-zag order. */
export const ZIGZAG: readonly number[] = buildZigzag();

function buildZigzag(): number[] {
  const order: number[] = [];
  for (let s = 0; s <= 14; s++) {
    const low = Math.max(0, s - 7);
    const high = Math.min(s, 7);
    for (let i = 0; i <= high - low; i++) {
      const row = s % 2 === 0 ? high - i : low + i; // even diagonals run up and to the right
      order.push(row * 8 + (s - row));
    }
  }
  return order;
}

/** Reorders 64 values read in zig-zag order into natural order. */
export function fromZigzag(zigzag: ArrayLike<number>): number[] {
  const natural = new Array<number>(64).fill(0);
  for (let k = 0; k < 64; k++) natural[ZIGZAG[k]!] = zigzag[k] ?? 0;
  return natural;
}

/** The IJG scale factor (percent) for a quality. */
export function qualityScale(quality: number): number {
  return quality < 50 ? Math.floor(5000 / quality) : 200 - quality * 2;
}

/** One entry of the IJG table for `quality`, as libjpeg computes it. */
export function scaledEntry(base: number, quality: number, bits: 8 | 16): number {
  const value = Math.floor((base * qualityScale(quality) + 50) / 100);
  return Math.min(Math.max(value, 1), bits === 8 ? 255 : 32767);
}

function distance(table: QuantTable, base: readonly number[], quality: number): number {
  let sum = 0;
  for (let i = 0; i < 64; i++) sum += Math.abs(table.values[i]! - scaledEntry(base[i]!, quality, table.bits));
  return sum;
}

/** The IJG quality whose tables are closest to `luma` (and `chroma` when given). */
export function estimateQuality(luma: QuantTable, chroma?: QuantTable): number {
  let best = 100;
  let bestDistance = Infinity;
  for (let q = 100; q >= 1; q--) {
    const d = distance(luma, STD_LUMINANCE, q) + (chroma ? distance(chroma, STD_CHROMINANCE, q) : 0);
    if (d < bestDistance) {
      best = q;
      bestDistance = d;
    }
  }
  return best;
}

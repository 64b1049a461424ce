/**
 * Auto enhance (spec §3.12): white balance, levels and gamma as one table per colour channel,
 * applied in one pass; no model. From the histograms of R, G, B and luma (fully transparent pixels
 * not counted):
 *
 * - levels: each channel is stretched so its darkest and brightest 0.1 % of pixels reach 0 and
 *   255; a channel's ends may differ from the luma's by at most 48 levels (the white balance:
 *   a colour cast in the shadows or highlights is removed, a genuinely colourful picture is not
 *   turned grey), and no stretch exceeds ×3 (a flat picture is not blown into noise);
 * - gamma: when the stretched median luma is outside 0.35–0.6, a gamma brings it to the nearest
 *   end of that band (exponent limited to 0.5–2);
 * - the clamp: all of it is applied with a strength that falls from 1, when the luma's 0.1–99.9 %
 *   range spans 130 levels or fewer (a dull or hazy picture), to 0 at 200 levels or more (a
 *   photo that already uses the tonal range): the ends move by strength × their distance to
 *   0/255 and the exponent becomes exponent^strength.
 *
 * So a well-exposed photo, including a deliberately dark or bright one, is left (nearly) as it is.
 * Alpha is not changed.
 */
import { luma } from "../kernels/luma";
import { createRaster, type Raster } from "../raster";

const CLIP = 0.001;
const MAX_CAST = 48;
const MIN_RANGE = 255 / 3;
const MEDIAN_BAND = [0.35, 0.6] as const;
const EXPONENT_LIMITS = [0.5, 2] as const;
/** Luma ranges (levels) at and below which the correction is full, and at and above which it is 0. */
const FULL_BELOW = 130;
const NONE_ABOVE = 200;

interface Histograms {
  channels: [Uint32Array, Uint32Array, Uint32Array];
  luma: Uint32Array;
  count: number;
}

function histograms(data: Uint8ClampedArray): Histograms {
  const channels: Histograms["channels"] = [new Uint32Array(256), new Uint32Array(256), new Uint32Array(256)];
  const lumaHist = new Uint32Array(256);
  const [r, g, b] = channels;
  let count = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 3] === 0) continue;
    r[data[i]!]!++;
    g[data[i + 1]!]!++;
    b[data[i + 2]!]!++;
    lumaHist[Math.round(luma(data[i]!, data[i + 1]!, data[i + 2]!))]!++;
    count++;
  }
  return { channels, luma: lumaHist, count };
}

/** The smallest level whose cumulative count exceeds `fraction` of `count`. */
function percentile(hist: Uint32Array, count: number, fraction: number): number {
  const target = fraction * count;
  let sum = 0;
  for (let v = 0; v < 256; v++) {
    sum += hist[v]!;
    if (sum > target) return v;
  }
  return 255;
}

/** A channel's black and white points: its own percentiles, held near the luma's, at least MIN_RANGE apart. */
function levels(hist: Uint32Array, count: number, lumaLow: number, lumaHigh: number): [number, number] {
  let low = percentile(hist, count, CLIP);
  let high = percentile(hist, count, 1 - CLIP);
  low = Math.min(Math.max(low, lumaLow - MAX_CAST), lumaLow + MAX_CAST);
  high = Math.min(Math.max(high, lumaHigh - MAX_CAST), lumaHigh + MAX_CAST);
  if (high - low < MIN_RANGE) {
    const middle = Math.min(Math.max((low + high) / 2, MIN_RANGE / 2), 255 - MIN_RANGE / 2);
    low = middle - MIN_RANGE / 2;
    high = middle + MIN_RANGE / 2;
  }
  return [Math.max(0, low), Math.min(255, high)];
}

/** The exponent that brings the stretched median luma `median` (0–1) into MEDIAN_BAND. */
function exponentFor(median: number): number {
  const m = Math.min(Math.max(median, 0.01), 0.99);
  const target = Math.min(Math.max(m, MEDIAN_BAND[0]), MEDIAN_BAND[1]);
  if (target === m) return 1;
  return Math.min(Math.max(Math.log(target) / Math.log(m), EXPONENT_LIMITS[0]), EXPONENT_LIMITS[1]);
}

/** How much of the correction to apply, from the luma's range (1 = all of it). */
export function enhanceStrength(range: number): number {
  const t = Math.min(Math.max((NONE_ABOVE - range) / (NONE_ABOVE - FULL_BELOW), 0), 1);
  return t * t * (3 - 2 * t);
}

/** The three tables (R, G, B) of the enhancement, or undefined when there is nothing to do. */
export function enhanceTables(image: Raster): Uint8ClampedArray[] | undefined {
  const stats = histograms(image.data);
  if (stats.count === 0) return undefined;
  const measuredLow = percentile(stats.luma, stats.count, CLIP);
  const measuredHigh = percentile(stats.luma, stats.count, 1 - CLIP);
  const strength = enhanceStrength(measuredHigh - measuredLow);
  if (strength === 0) return undefined;
  const [lumaLow, lumaHigh] = levels(stats.luma, stats.count, measuredLow, measuredHigh);
  const median = (percentile(stats.luma, stats.count, 0.5) - lumaLow) / (lumaHigh - lumaLow);
  const exponent = exponentFor(median) ** strength;
  return stats.channels.map((hist) => {
    const [fullLow, fullHigh] = levels(hist, stats.count, lumaLow, lumaHigh);
    const low = fullLow * strength;
    const high = 255 - (255 - fullHigh) * strength;
    return Uint8ClampedArray.from({ length: 256 }, (_, v) => 255 * Math.min(Math.max((v - low) / (high - low), 0), 1) ** exponent);
  });
}

export function autoEnhance(image: Raster): Raster {
  const tables = enhanceTables(image);
  if (!tables) return image; // nothing to correct: the image as it is
  const out = createRaster(image.width, image.height, image.data.slice(), image.opaque);
  const [r, g, b] = tables as [Uint8ClampedArray, Uint8ClampedArray, Uint8ClampedArray];
  const data = out.data;
  for (let i = 0; i < data.length; i += 4) {
    data[i] = r[data[i]!]!;
    data[i + 1] = g[data[i + 1]!]!;
    data[i + 2] = b[data[i + 2]!]!;
  }
  return out;
}

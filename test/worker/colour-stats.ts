/** Image statistics for the colour tests: luma, chroma and hue over a raster's pixels. */
import type { Raster } from "../../src/image/raster";

export function lumaOf(r: number, g: number, b: number): number {
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function lumas(image: Raster): Float64Array {
  const out = new Float64Array(image.width * image.height);
  for (let p = 0, i = 0; p < out.length; p++, i += 4) out[p] = lumaOf(image.data[i]!, image.data[i + 1]!, image.data[i + 2]!);
  return out;
}

export function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  return sum / values.length;
}

export function std(values: ArrayLike<number>): number {
  const m = mean(values);
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += (values[i]! - m) ** 2;
  return Math.sqrt(sum / values.length);
}

export const meanLuma = (image: Raster) => mean(lumas(image));
export const lumaSpread = (image: Raster) => std(lumas(image));

/** Mean of the sRGB values decoded to linear light (0–1), over R, G and B. */
export function meanLinear(image: Raster): number {
  let sum = 0;
  for (let i = 0; i < image.data.length; i++) {
    if (i % 4 === 3) continue;
    const v = image.data[i]! / 255;
    sum += v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  }
  return sum / ((image.data.length / 4) * 3);
}

/** Per pixel: max − min of R, G, B. */
export function chromas(image: Raster): Float64Array {
  const out = new Float64Array(image.width * image.height);
  for (let p = 0, i = 0; p < out.length; p++, i += 4) {
    const d = image.data;
    out[p] = Math.max(d[i]!, d[i + 1]!, d[i + 2]!) - Math.min(d[i]!, d[i + 1]!, d[i + 2]!);
  }
  return out;
}

export const meanChroma = (image: Raster) => mean(chromas(image));

/** HSV hue in degrees (0–360), or NaN for grey. */
export function hueOf(r: number, g: number, b: number): number {
  const max = Math.max(r, g, b);
  const c = max - Math.min(r, g, b);
  if (c === 0) return NaN;
  const h = max === r ? (g - b) / c : max === g ? (b - r) / c + 2 : (r - g) / c + 4;
  return ((h * 60) % 360 + 360) % 360;
}

/** Mean hue difference (degrees, −180…180) from `a` to `b` over the pixels with chroma ≥ minChroma in `a`. */
export function meanHueShift(a: Raster, b: Raster, minChroma = 40): number {
  let x = 0, y = 0;
  for (let i = 0; i < a.data.length; i += 4) {
    const d = a.data, e = b.data;
    if (Math.max(d[i]!, d[i + 1]!, d[i + 2]!) - Math.min(d[i]!, d[i + 1]!, d[i + 2]!) < minChroma) continue;
    const delta = ((hueOf(e[i]!, e[i + 1]!, e[i + 2]!) - hueOf(d[i]!, d[i + 1]!, d[i + 2]!)) * Math.PI) / 180;
    if (Number.isNaN(delta)) continue;
    x += Math.cos(delta);
    y += Math.sin(delta);
  }
  return (Math.atan2(y, x) * 180) / Math.PI;
}

/** Mean absolute difference between horizontally and vertically adjacent lumas: a sharpness measure. */
export function edgeEnergy(image: Raster): number {
  const l = lumas(image);
  const { width, height } = image;
  let sum = 0;
  for (let y = 0; y < height - 1; y++) {
    for (let x = 0; x < width - 1; x++) {
      const p = y * width + x;
      sum += Math.abs(l[p + 1]! - l[p]!) + Math.abs(l[p + width]! - l[p]!);
    }
  }
  return sum / ((width - 1) * (height - 1));
}

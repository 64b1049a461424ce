/**
 * Adjust (spec §3.11), in this order: a tone curve (exposure, brightness, contrast, gamma, one
 * 256-entry table for all three channels), then colour (hue, saturation, vibrance, one pass), then
 * clarity, then unsharp. Each part is skipped when its values are neutral; alpha is never changed.
 *
 * - exposure e: linear light × 2^(e/50) (±2 stops at ±100), back to sRGB.
 * - brightness b: b > 0 mixes toward white by b %, b < 0 toward black (±100 = all white/black).
 * - contrast c: distance from mid-grey × 2^(c/50) (×4 at +100, ×¼ at −100).
 * - gamma g: v^(1/g) (g > 1 brightens the midtones, as ImageMagick's -gamma).
 * - hue h: every colour's HSV hue turned by h degrees (value and chroma kept).
 * - saturation s: distance from the pixel's luma × (1 + s/100) (−100 = greyscale).
 * - vibrance v: the same, by (1 + v/100 · (1 − chroma)): muted colours move most.
 * - clarity k: luma detail above a Gaussian of σ = max(2, shorter side / 40) is boosted by up to
 *   k/100 in the midtones, fading to 0 at black and white (local contrast, no clipping).
 * - unsharp u: an unsharp mask on luma with σ = 0.5 + 1.5·u/100 px and amount 2·u/100.
 */
import type { AdjustPlan } from "../../request/adjust";
import { gaussianFilter } from "../kernels/blur";
import { addLumaDetail, luma } from "../kernels/luma";
import { createRaster, type Raster } from "../raster";

const srgbToLinear = (v: number) => (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
const linearToSrgb = (v: number) => (v <= 0.0031308 ? v * 12.92 : 1.055 * v ** (1 / 2.4) - 0.055);
const clamp01 = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);

/** The tone curve as a 256-entry table, or undefined when it is the identity. */
export function toneCurve(plan: AdjustPlan): Uint8ClampedArray | undefined {
  const { exposure, brightness, contrast, gamma } = plan;
  if (exposure === 0 && brightness === 0 && contrast === 0 && gamma === 1) return undefined;
  const stops = 2 ** (exposure / 50);
  const spread = 2 ** (contrast / 50);
  const lut = new Uint8ClampedArray(256);
  for (let v = 0; v < 256; v++) {
    let x = v / 255;
    if (exposure !== 0) x = linearToSrgb(clamp01(srgbToLinear(x) * stops));
    if (brightness > 0) x += (1 - x) * (brightness / 100);
    else if (brightness < 0) x *= 1 + brightness / 100;
    if (contrast !== 0) x = clamp01((x - 0.5) * spread + 0.5);
    if (gamma !== 1) x **= 1 / gamma;
    lut[v] = x * 255;
  }
  return lut;
}

function applyCurve(data: Uint8ClampedArray, lut: Uint8ClampedArray): void {
  for (let i = 0; i < data.length; i += 4) {
    data[i] = lut[data[i]!]!;
    data[i + 1] = lut[data[i + 1]!]!;
    data[i + 2] = lut[data[i + 2]!]!;
  }
}

/** Hue rotation by `shift` sextants (60° each) and chroma scaling around luma, in place. */
function applyColour(data: Uint8ClampedArray, plan: AdjustPlan): void {
  const shift = (((plan.hue / 60) % 6) + 6) % 6;
  const saturation = 1 + plan.saturation / 100;
  const vibrance = plan.vibrance / 100;
  for (let i = 0; i < data.length; i += 4) {
    let r = data[i]!, g = data[i + 1]!, b = data[i + 2]!;
    const max = r > g ? (r > b ? r : b) : g > b ? g : b;
    const min = r < g ? (r < b ? r : b) : g < b ? g : b;
    const chroma = max - min;
    if (chroma === 0) continue; // grey: no hue to turn, no colour to scale
    if (shift !== 0) {
      let h = max === r ? (g - b) / chroma : max === g ? (b - r) / chroma + 2 : (r - g) / chroma + 4;
      h += shift;
      h = h < 0 ? h + 6 : h >= 6 ? h - 6 : h;
      const sector = Math.floor(h);
      const f = h - sector;
      const up = min + chroma * f; // rising edge of the sector
      const down = max - chroma * f; // falling edge
      if (sector === 0) { r = max; g = up; b = min; }
      else if (sector === 1) { r = down; g = max; b = min; }
      else if (sector === 2) { r = min; g = max; b = up; }
      else if (sector === 3) { r = min; g = down; b = max; }
      else if (sector === 4) { r = up; g = min; b = max; }
      else { r = max; g = min; b = down; }
    }
    const factor = saturation * (1 + vibrance * (1 - chroma / 255));
    if (factor !== 1) {
      const y = luma(r, g, b);
      r = y + (r - y) * factor;
      g = y + (g - y) * factor;
      b = y + (b - y) * factor;
    }
    data[i] = r;
    data[i + 1] = g;
    data[i + 2] = b;
  }
}

export function claritySigma(width: number, height: number): number {
  return Math.max(2, Math.min(width, height) / 40);
}

function clarityGain(amount: number): Float32Array {
  return Float32Array.from({ length: 256 }, (_, v) => {
    const t = (v - 127.5) / 127.5;
    return amount * (1 - t * t);
  });
}

export function unsharpParameters(value: number): { sigma: number; amount: number } {
  return { sigma: 0.5 + (1.5 * value) / 100, amount: (2 * value) / 100 };
}

export function adjust(image: Raster, plan: AdjustPlan): Raster {
  const out = createRaster(image.width, image.height, image.data.slice(), image.opaque);
  const lut = toneCurve(plan);
  if (lut) applyCurve(out.data, lut);
  if (plan.hue !== 0 || plan.saturation !== 0 || plan.vibrance !== 0) applyColour(out.data, plan);
  if (plan.clarity > 0) addLumaDetail(out, gaussianFilter(claritySigma(image.width, image.height)), clarityGain(plan.clarity / 100));
  if (plan.unsharp > 0) {
    const { sigma, amount } = unsharpParameters(plan.unsharp);
    addLumaDetail(out, gaussianFilter(sigma), new Float32Array(256).fill(amount));
  }
  return out;
}

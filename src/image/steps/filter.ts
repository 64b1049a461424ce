/**
 * Filter, alias stylize (spec §3.10), in this order: blur, pixelate, grayscale, sepia, negative,
 * vignette. Blur and pixelate average neighbouring pixels, alpha included, on premultiplied colour
 * (so transparent pixels lend no colour); the other effects change colour only and keep alpha.
 *
 * - blur gaussian: a true Gaussian with σ = value px (kernels/blur.ts).
 * - blur box: the mean over a (2r + 1)² square, r = round(value) px.
 * - pixelate n: the image cut into n × n blocks from the top-left corner (smaller at the right and
 *   bottom edges), each filled with its mean colour.
 * - grayscale: Rec. 709 luma (0.2126 R + 0.7152 G + 0.0722 B) in every channel.
 * - sepia: the classic sepia matrix (R' = .393R + .769G + .189B, G' = .349R + .686G + .168B,
 *   B' = .272R + .534G + .131B), clipped.
 * - negative: 255 − value in each colour channel.
 * - vignette v: colour × (1 − v/100 · smoothstep(0.35, 1, d)), d the distance from the centre
 *   relative to the half-diagonal of an ellipse through the corners: the corners go black at 100.
 */
import type { FilterPlan } from "../../request/filter";
import { pixels } from "../canvas";
import { blurRaster, boxFilter, gaussianFilter } from "../kernels/blur";
import { luma } from "../kernels/luma";
import { createRaster, type Raster } from "../raster";

/** Averages one band of rows `y0`…`y1 − 1` in blocks of `size` columns and fills it with the means. */
function pixelateBand(image: Raster, out: Uint32Array, y0: number, y1: number, size: number): void {
  const { width, data } = image;
  const mean = new Uint8ClampedArray(4);
  const word = new Uint32Array(mean.buffer);
  for (let x0 = 0; x0 < width; x0 += size) {
    const x1 = Math.min(width, x0 + size);
    let r = 0, g = 0, b = 0, a = 0;
    for (let y = y0; y < y1; y++) {
      for (let i = (y * width + x0) * 4, end = (y * width + x1) * 4; i < end; i += 4) {
        const alpha = data[i + 3]!;
        r += data[i]! * alpha;
        g += data[i + 1]! * alpha;
        b += data[i + 2]! * alpha;
        a += alpha;
      }
    }
    const count = (x1 - x0) * (y1 - y0);
    mean.set(a > 0 ? [r / a, g / a, b / a, a / count] : [0, 0, 0, 0]);
    for (let y = y0; y < y1; y++) out.fill(word[0]!, y * width + x0, y * width + x1);
  }
}

export function pixelate(image: Raster, size: number): Raster {
  const out = createRaster(image.width, image.height, undefined, image.opaque);
  const words = pixels(out);
  for (let y0 = 0; y0 < image.height; y0 += size) pixelateBand(image, words, y0, Math.min(image.height, y0 + size), size);
  return out;
}

function grayscale(data: Uint8ClampedArray): void {
  for (let i = 0; i < data.length; i += 4) {
    const y = luma(data[i]!, data[i + 1]!, data[i + 2]!);
    data[i] = y;
    data[i + 1] = y;
    data[i + 2] = y;
  }
}

function sepia(data: Uint8ClampedArray): void {
  for (let i = 0; i < data.length; i += 4) {
    const r = data[i]!, g = data[i + 1]!, b = data[i + 2]!;
    data[i] = 0.393 * r + 0.769 * g + 0.189 * b;
    data[i + 1] = 0.349 * r + 0.686 * g + 0.168 * b;
    data[i + 2] = 0.272 * r + 0.534 * g + 0.131 * b;
  }
}

function negative(data: Uint8ClampedArray): void {
  for (let i = 0; i < data.length; i += 4) {
    data[i] = 255 - data[i]!;
    data[i + 1] = 255 - data[i + 1]!;
    data[i + 2] = 255 - data[i + 2]!;
  }
}

export const VIGNETTE_START = 0.35;

/** The vignette's multiplier at relative distance d (0 at the centre, 1 at the corners). */
export function vignetteFactor(strength: number, d: number): number {
  const t = Math.min(1, Math.max(0, (d - VIGNETTE_START) / (1 - VIGNETTE_START)));
  return 1 - (strength / 100) * t * t * (3 - 2 * t);
}

function vignette(image: Raster, strength: number): void {
  const { width, height, data } = image;
  const dx2 = Float64Array.from({ length: width }, (_, x) => ((x + 0.5 - width / 2) / (width / 2)) ** 2 / 2);
  for (let y = 0, i = 0; y < height; y++) {
    const dy2 = ((y + 0.5 - height / 2) / (height / 2)) ** 2 / 2;
    for (let x = 0; x < width; x++, i += 4) {
      const f = vignetteFactor(strength, Math.sqrt(dx2[x]! + dy2));
      if (f === 1) continue;
      data[i] = data[i]! * f;
      data[i + 1] = data[i + 1]! * f;
      data[i + 2] = data[i + 2]! * f;
    }
  }
}

function blur(image: Raster, plan: NonNullable<FilterPlan["blur"]>): Raster {
  if (plan.mode === "gaussian") return blurRaster(image, gaussianFilter(plan.value));
  const radius = Math.round(plan.value);
  return radius > 0 ? blurRaster(image, boxFilter(radius)) : image;
}

export function filter(image: Raster, plan: FilterPlan): Raster {
  let out = plan.blur ? blur(image, plan.blur) : image;
  if (plan.pixelate > 1) out = pixelate(out, plan.pixelate);
  if (out === image) out = createRaster(image.width, image.height, image.data.slice(), image.opaque);
  if (plan.grayscale) grayscale(out.data);
  if (plan.sepia) sepia(out.data);
  if (plan.negative) negative(out.data);
  if (plan.vignette > 0) vignette(out, plan.vignette);
  return out;
}

/**
 * Rotate (spec §3.7): clockwise by any angle. Right angles are exact pixel permutations; any other
 * angle grows the canvas to the rotated bounding box, samples the source bilinearly on premultiplied
 * alpha (its edges fade over one pixel: anti-aliased, no dark fringes) and composites the result
 * over `background`, which fills the uncovered corners.
 */
import type { RotatePlan } from "../../request/rotate";
import { checkCanvas, fillCanvas, pixels, sampleBilinear, type CanvasLimits } from "../canvas";
import { createRaster, type Raster } from "../raster";

const INV_255 = 1 / 255;

/** The size of a width × height image rotated by `degrees`. */
export function rotatedSize(width: number, height: number, degrees: number): [number, number] {
  if (degrees % 180 === 0) return [width, height];
  if (degrees % 90 === 0) return [height, width];
  const radians = (degrees * Math.PI) / 180;
  const cos = Math.abs(Math.cos(radians));
  const sin = Math.abs(Math.sin(radians));
  // The epsilon keeps float noise (106.00000000001) from adding a column.
  return [Math.ceil(width * cos + height * sin - 1e-9), Math.ceil(width * sin + height * cos - 1e-9)];
}

/** 90°, 180° and 270°: for each output pixel, the one source pixel it is. */
function rotateRight(image: Raster, degrees: 90 | 180 | 270): Raster {
  const { width: w, height: h } = image;
  const [width, height] = rotatedSize(w, h, degrees);
  const out = createRaster(width, height, undefined, image.opaque);
  const from = pixels(image);
  const to = pixels(out);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    if (degrees === 90) for (let x = 0; x < width; x++) to[row + x] = from[(h - 1 - x) * w + y]!;
    else if (degrees === 270) for (let x = 0; x < width; x++) to[row + x] = from[x * w + (w - 1 - y)]!;
    else for (let x = 0, src = (h - 1 - y) * w + w - 1; x < width; x++) to[row + x] = from[src - x]!;
  }
  return out;
}

/**
 * The range [from, to) of k in 0…count for which p + k·dp lies in (lo, hi), widened by one on each
 * side (the sampler itself returns transparent outside the image).
 */
function spanOnAxis(p: number, dp: number, lo: number, hi: number, count: number): [number, number] {
  if (Math.abs(dp) < 1e-12) return p > lo && p < hi ? [0, count] : [0, 0];
  const a = (lo - p) / dp;
  const b = (hi - p) / dp;
  return [Math.max(0, Math.floor(Math.min(a, b)) - 1), Math.min(count, Math.ceil(Math.max(a, b)) + 1)];
}

/** Any other angle: inverse-map each output pixel centre into the source and sample there. */
function rotateFree(image: Raster, plan: RotatePlan, limits: CanvasLimits): Raster {
  const [width, height] = rotatedSize(image.width, image.height, plan.angle);
  checkCanvas("rotate", width, height, limits);
  const bg = plan.background;
  const out = fillCanvas(width, height, bg);
  out.opaque = image.opaque && bg.a === 255;
  const radians = (plan.angle * Math.PI) / 180;
  const cos = Math.cos(radians);
  const sin = Math.sin(radians);
  const sample = new Float64Array(4);
  const { data: src, width: srcWidth, height: srcHeight } = image;
  const d = out.data;
  const bgA = bg.a / 255;
  for (let y = 0; y < height; y++) {
    const v = y + 0.5 - height / 2;
    // Source position (pixel-index coordinates) of output pixel (0, y); it moves by (cos, −sin) per x.
    const sx0 = (0.5 - width / 2) * cos + v * sin + srcWidth / 2 - 0.5;
    const sy0 = -(0.5 - width / 2) * sin + v * cos + srcHeight / 2 - 0.5;
    const [ax, bx] = spanOnAxis(sx0, cos, -1, srcWidth, width);
    const [ay, by] = spanOnAxis(sy0, -sin, -1, srcHeight, width);
    // Outside [from, to) the canvas keeps the background it was filled with.
    const to = Math.min(bx, by);
    for (let x = Math.max(ax, ay), i = (y * width + x) * 4; x < to; x++, i += 4) {
      sampleBilinear(src, srcWidth, srcHeight, sx0 + x * cos, sy0 - x * sin, sample);
      const a = sample[3]! / 255;
      if (a > 0.99999) {
        // Fully covered by opaque pixels: nothing of the background shows.
        d[i] = sample[0]! * INV_255;
        d[i + 1] = sample[1]! * INV_255;
        d[i + 2] = sample[2]! * INV_255;
        d[i + 3] = 255;
        continue;
      }
      // Premultiplied "over" the background, then back to straight alpha.
      const under = bgA * (1 - a);
      const alpha = a + under;
      if (alpha === 0) continue; // the transparent background, already there
      d[i] = (sample[0]! / 255 + bg.r * under) / alpha;
      d[i + 1] = (sample[1]! / 255 + bg.g * under) / alpha;
      d[i + 2] = (sample[2]! / 255 + bg.b * under) / alpha;
      d[i + 3] = alpha * 255;
    }
  }
  return out;
}

export function rotate(image: Raster, plan: RotatePlan, limits: CanvasLimits): Raster {
  const degrees = plan.angle;
  if (degrees === 90 || degrees === 180 || degrees === 270) {
    const [width, height] = rotatedSize(image.width, image.height, degrees);
    checkCanvas("rotate", width, height, limits);
    return rotateRight(image, degrees);
  }
  return rotateFree(image, plan, limits);
}

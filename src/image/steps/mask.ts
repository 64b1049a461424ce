/**
 * Mask (spec §3.9): keeps the image inside an ellipse inscribed in its bounds, or inside a
 * rectangle with rounded corners, and fills the outside with the background colour. The edge is
 * anti-aliased: each pixel mixes image and background by the shape's coverage of it.
 */
import type { MaskPlan } from "../../request/mask";
import { ellipseCoverage, forEachCornerPixel, roundedRectCoverage, writeMix } from "../canvas";
import { createRaster, type Raster } from "../raster";

/** Mixes the pixel at (x, y) of `out` between the background (coverage 0) and itself (1). */
function applyCoverage(out: Raster, x: number, y: number, coverage: number, plan: MaskPlan): void {
  if (coverage === 1) return;
  const d = out.data;
  const i = (y * out.width + x) * 4;
  const bg = plan.background;
  writeMix(d, i, bg.r, bg.g, bg.b, bg.a, d[i]!, d[i + 1]!, d[i + 2]!, d[i + 3]!, coverage);
}

/**
 * Per row, walks in from both edges (the ellipse is symmetric, so x and its mirror share their
 * coverage) until the pixels are fully covered: the inside is never visited.
 */
function maskEllipse(out: Raster, plan: MaskPlan): void {
  const { width, height } = out;
  const rx = width / 2;
  const ry = height / 2;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < rx; x++) {
      const coverage = ellipseCoverage(x + 0.5, y + 0.5, rx, ry, rx, ry);
      if (coverage === 1) break;
      applyCoverage(out, x, y, coverage, plan);
      if (width - 1 - x !== x) applyCoverage(out, width - 1 - x, y, coverage, plan);
    }
  }
}

function maskRoundedRect(out: Raster, plan: MaskPlan): void {
  const { width, height } = out;
  forEachCornerPixel(width, height, plan.radius, (x, y) =>
    applyCoverage(out, x, y, roundedRectCoverage(x + 0.5, y + 0.5, 0, 0, width, height, plan.radius), plan),
  );
}

export function mask(image: Raster, plan: MaskPlan): Raster {
  const out = createRaster(image.width, image.height, image.data.slice(), image.opaque && plan.background.a === 255);
  if (plan.shape === "ellipse") maskEllipse(out, plan);
  else maskRoundedRect(out, plan);
  return out;
}

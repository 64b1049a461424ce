/**
 * Border (spec §3.13): grows the canvas by `size` on each side and paints the frame in `color`.
 * With a `radius`, the outer edge is a rounded rectangle of that radius (outside it: `background`)
 * and the image inside is clipped to a rounded rectangle of radius − size, both anti-aliased.
 */
import type { BorderPlan } from "../../request/border";
import { blit, checkCanvas, fillCanvas, forEachCornerPixel, roundedRectCoverage, writeMix, type CanvasLimits } from "../canvas";
import type { Raster } from "../raster";

/** Re-mixes a pixel of a corner: background, then the frame by outer coverage, then the image by inner coverage. */
function roundCorners(out: Raster, image: Raster, plan: BorderPlan): void {
  const { width, height, data } = out;
  const { size, radius, color, background: bg } = plan;
  const inner = Math.max(0, radius - size);
  const x1 = size + image.width;
  const y1 = size + image.height;
  forEachCornerPixel(width, height, radius, (x, y) => {
    const px = x + 0.5;
    const py = y + 0.5;
    const outer = roundedRectCoverage(px, py, 0, 0, width, height, radius);
    const picture = roundedRectCoverage(px, py, size, size, x1, y1, inner);
    if (outer === 1 && picture === 1) return; // inside the image's rounded corner: unchanged
    const i = (y * width + x) * 4;
    // The pixel holds the image where the image was copied, the frame colour elsewhere.
    const r = data[i]!, g = data[i + 1]!, b = data[i + 2]!, a = data[i + 3]!;
    writeMix(data, i, bg.r, bg.g, bg.b, bg.a, color.r, color.g, color.b, color.a, outer);
    if (picture > 0) writeMix(data, i, data[i]!, data[i + 1]!, data[i + 2]!, data[i + 3]!, r, g, b, a, picture);
  });
}

export function border(image: Raster, plan: BorderPlan, limits: CanvasLimits): Raster {
  const width = image.width + 2 * plan.size;
  const height = image.height + 2 * plan.size;
  checkCanvas("border", width, height, limits);
  const out = fillCanvas(width, height, plan.color);
  blit(out, image, plan.size, plan.size);
  out.opaque = out.opaque && image.opaque;
  if (plan.radius > 0) {
    roundCorners(out, image, plan);
    out.opaque = out.opaque && plan.background.a === 255;
  }
  return out;
}

/**
 * Padding (spec §3.13): grows the canvas on each side with the background colour. The image is
 * copied as it is, so its own transparency stays; the result is opaque only when both are.
 */
import type { PaddingPlan } from "../../request/padding";
import { blit, checkCanvas, fillCanvas, type CanvasLimits } from "../canvas";
import type { Raster } from "../raster";

export function padding(image: Raster, plan: PaddingPlan, limits: CanvasLimits): Raster {
  const width = image.width + plan.left + plan.right;
  const height = image.height + plan.top + plan.bottom;
  checkCanvas("padding", width, height, limits);
  const out = fillCanvas(width, height, plan.background);
  blit(out, image, plan.left, plan.top);
  out.opaque = out.opaque && image.opaque;
  return out;
}

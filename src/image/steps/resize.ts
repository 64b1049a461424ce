/**
 * Resize (spec §3.3): auto, fit, fill and exact, laid out by resize-layout.ts and resampled with
 * Lanczos3 (resample.ts). fit crops the source region first, so only what is kept is resampled;
 * fill places the resampled image on a canvas of the background colour.
 */
import type { Rgba } from "../../request/color";
import type { ResizePlan } from "../../request/resize";
import { blit, checkCanvas, fillCanvas, type CanvasLimits } from "../canvas";
import type { Raster } from "../raster";
import { resize as resample } from "../resample";
import { resizeLayout, type ResizeLayout } from "../resize-layout";

/** Carries out a layout: cut the source region, resample it, place it on the canvas if any. */
export async function applyLayout(image: Raster, layout: ResizeLayout, operation: string, background: Rgba, limits: CanvasLimits): Promise<Raster> {
  const final = layout.canvas ?? layout;
  checkCanvas(operation, final.width, final.height, limits);
  const resized = await resample(image, layout.width, layout.height, { region: layout.source });
  if (!layout.canvas) return resized;
  const canvas = fillCanvas(layout.canvas.width, layout.canvas.height, background);
  canvas.opaque = resized.opaque && background.a === 255;
  blit(canvas, resized, layout.canvas.x, layout.canvas.y);
  return canvas;
}

export function resize(image: Raster, plan: ResizePlan, limits: CanvasLimits): Promise<Raster> {
  return applyLayout(image, resizeLayout(image.width, image.height, plan), "resize", plan.background, limits);
}

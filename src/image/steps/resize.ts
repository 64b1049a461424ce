/**
 * Resize (spec §3.3): auto, fit, fill and exact, laid out by resize-layout.ts and resampled with
 * Lanczos3 (resample.ts). fit crops the source region first, so only what is kept is resampled;
 * fill places the resampled image on a canvas of the background colour.
 */
import type { Rgba } from "../../request/color";
import type { ResizePlan } from "../../request/resize";
import { blit, checkCanvas, fillCanvas, type CanvasLimits, type Region } from "../canvas";
import type { Raster } from "../raster";
import { resize as resample } from "../resample";
import { resizeLayout, type ResizeLayout } from "../resize-layout";

/** What the resize and scale steps need besides the image and their plan. */
export interface ResizeContext {
  limits: CanvasLimits;
  /**
   * The size the image stands for when it was decoded smaller (shrink-on-load): layouts are
   * computed on it, so the output size is exactly what a full decode would give.
   */
  logicalSize?: { width: number; height: number };
}

/** A region of the logical image in the coordinates of the (possibly smaller) decoded one. */
function toDecoded(region: Region, image: Raster, logical: { width: number; height: number }): Region {
  const sx = image.width / logical.width;
  const sy = image.height / logical.height;
  const x = Math.min(image.width - 1, Math.round(region.x * sx));
  const y = Math.min(image.height - 1, Math.round(region.y * sy));
  const width = Math.max(1, Math.min(image.width - x, Math.round(region.width * sx)));
  const height = Math.max(1, Math.min(image.height - y, Math.round(region.height * sy)));
  return { x, y, width, height };
}

/** The size layouts are computed on. */
export function layoutSize(image: Raster, ctx: ResizeContext): { width: number; height: number } {
  return ctx.logicalSize ?? { width: image.width, height: image.height };
}

/** Carries out a layout: cut the source region, resample it, place it on the canvas if any. */
export async function applyLayout(image: Raster, layout: ResizeLayout, operation: string, background: Rgba, ctx: ResizeContext): Promise<Raster> {
  const final = layout.canvas ?? layout;
  checkCanvas(operation, final.width, final.height, ctx.limits);
  const region = ctx.logicalSize ? toDecoded(layout.source, image, ctx.logicalSize) : layout.source;
  const resized = await resample(image, layout.width, layout.height, { region });
  if (!layout.canvas) return resized;
  const canvas = fillCanvas(layout.canvas.width, layout.canvas.height, background);
  canvas.opaque = resized.opaque && background.a === 255;
  blit(canvas, resized, layout.canvas.x, layout.canvas.y);
  return canvas;
}

export function resize(image: Raster, plan: ResizePlan, ctx: ResizeContext): Promise<Raster> {
  const { width, height } = layoutSize(image, ctx);
  return applyLayout(image, resizeLayout(width, height, plan), "resize", plan.background, ctx);
}

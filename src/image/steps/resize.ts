/**
 * Resize (spec §3.3): auto, fit, fill and exact, laid out by resize-layout.ts and resampled with
 * Lanczos3 (resample.ts). fit crops the source region first, so only what is kept is resampled;
 * fill places the resampled image on a canvas of the background colour. fit with a content
 * gravity centres the kept region on the most prominent face (`face`), on the box around all
 * faces (`faces`) or on the region smartcrop rates best (`auto`); faces found earlier in the
 * request, or here, follow the image into the output's pixels.
 */
import type { Rgba } from "../../request/color";
import { isContentGravity, type ContentGravity } from "../../request/gravity";
import type { ResizePlan } from "../../request/resize";
import { blit, checkCanvas, fillCanvas, type CanvasLimits, type Region } from "../canvas";
import type { Box } from "../faces/decode";
import { detectFaces } from "../faces/detect";
import { faceFocus, moveFaces } from "../faces/focus";
import { interestingRegion } from "../faces/smart";
import type { Raster } from "../raster";
import { resize as resample } from "../resample";
import { resizeLayout, toDecoded, type Focus, type ResizeLayout } from "../resize-layout";
import type { FaceContext } from "./crop";

/** The size an image decoded smaller stands for, and the factor it was decoded at. */
export interface LogicalSize {
  width: number;
  height: number;
  /** The decoder's exact factor: decoded = ceil(logical × scale) on each side. */
  scale: number;
  /**
   * Set when only a window of the image was decoded (crop-on-load): the raster is the part of the
   * whole decoded image (wholeWidth × wholeHeight) that starts at (left, top).
   */
  window?: { left: number; top: number; wholeWidth: number; wholeHeight: number };
}

/** What the resize and scale steps need besides the image and their plan. */
export interface ResizeContext extends FaceContext {
  limits: CanvasLimits;
  /**
   * The size the image stands for when it was decoded smaller (shrink-on-load): layouts are
   * computed on it, so the output size is exactly what a full decode would give.
   */
  logicalSize?: LogicalSize;
}

/** A region of the logical image in the raster's pixels (the raster may be a decoded window). */
function inRaster(region: Region, image: Raster, logical: LogicalSize): Region {
  const { left, top, wholeWidth, wholeHeight } = logical.window ?? { left: 0, top: 0, wholeWidth: image.width, wholeHeight: image.height };
  const decoded = toDecoded(region, { width: wholeWidth, height: wholeHeight }, logical.scale);
  return { ...decoded, x: decoded.x - left, y: decoded.y - top };
}

/** The size layouts are computed on. */
export function layoutSize(image: Raster, ctx: ResizeContext): { width: number; height: number } {
  return ctx.logicalSize ?? { width: image.width, height: image.height };
}

/** Moves the faces found so far (decoded pixels) to the layout's output pixels. */
function followLayout(ctx: ResizeContext, image: Raster, layout: ResizeLayout): void {
  if (!ctx.faces) return;
  const logical = ctx.logicalSize ?? image;
  const logicalFaces = moveFaces(ctx.faces, { scaleX: logical.width / image.width, scaleY: logical.height / image.height });
  ctx.faces = moveFaces(logicalFaces, {
    cut: layout.source,
    scaleX: layout.width / layout.source.width,
    scaleY: layout.height / layout.source.height,
    offset: layout.canvas,
  });
}

/** Carries out a layout: cut the source region, resample it, place it on the canvas if any. */
export async function applyLayout(image: Raster, layout: ResizeLayout, operation: string, background: Rgba, ctx: ResizeContext): Promise<Raster> {
  const final = layout.canvas ?? layout;
  checkCanvas(operation, final.width, final.height, ctx.limits);
  followLayout(ctx, image, layout);
  const region = ctx.logicalSize ? inRaster(layout.source, image, ctx.logicalSize) : layout.source;
  const resized = await resample(image, layout.width, layout.height, { region });
  if (!layout.canvas) return resized;
  const canvas = fillCanvas(layout.canvas.width, layout.canvas.height, background);
  canvas.opaque = resized.opaque && background.a === 255;
  blit(canvas, resized, layout.canvas.x, layout.canvas.y);
  return canvas;
}

/** What a content gravity centres on, in the image's (decoded) pixels; undefined: the centre. */
async function contentFocus(image: Raster, gravity: ContentGravity, plan: ResizePlan, ctx: ResizeContext): Promise<Box | undefined> {
  ctx.faces ??= await detectFaces(image);
  if (gravity !== "auto") return faceFocus(ctx.faces, gravity === "faces");
  return interestingRegion(image, plan.width!, plan.height!, ctx.faces).catch((error: unknown) => {
    console.error(`content-aware crop failed, using the centre: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  });
}

/** A box in decoded pixels to the logical image's (shrink-on-load decodes smaller). */
function toLogical(box: Box, image: Raster, logical: { width: number; height: number }): Focus {
  const sx = logical.width / image.width;
  const sy = logical.height / image.height;
  return { x: box.x * sx, y: box.y * sy, width: box.width * sx, height: box.height * sy };
}

export async function resize(image: Raster, plan: ResizePlan, ctx: ResizeContext): Promise<Raster> {
  const size = layoutSize(image, ctx);
  const found = isContentGravity(plan.gravity) ? await contentFocus(image, plan.gravity, plan, ctx) : undefined;
  const focus = found && toLogical(found, image, size);
  return applyLayout(image, resizeLayout(size.width, size.height, plan, focus), "resize", plan.background, ctx);
}

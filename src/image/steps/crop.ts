/**
 * Crop (spec §3.5): cuts a region out of the image. `rect` regions are clamped to the image (an
 * explicit origin outside it is a 422); `ratio` takes the largest region of that aspect ratio. Both
 * are placed by gravity unless an explicit origin is given. `face` cuts the box around the most
 * prominent face (or all faces), grown by `padding` percent on each side and clamped to the image:
 * that box is the output's size; with no face the image is left uncropped.
 */
import { unprocessable } from "../../errors";
import type { FaceCrop, RatioCrop, RectCrop } from "../../request/crop";
import { placeByGravity } from "../../request/gravity";
import { extractRegion, type Region } from "../canvas";
import type { Detection } from "../faces/decode";
import { detectFaces } from "../faces/detect";
import { faceFocus, growBox, moveFaces } from "../faces/focus";
import type { Raster } from "../raster";

export type { Region } from "../canvas";

/** The faces found so far, in the current image's pixels; undefined when nobody looked. */
export interface FaceContext {
  faces?: Detection[];
}

/** The region of a width × height image that a rect or ratio plan selects (never empty). */
export function cropRegion(width: number, height: number, plan: RectCrop | RatioCrop): Region {
  if (plan.mode === "rect" && plan.origin) {
    const { x, y } = plan.origin;
    if (x >= width || y >= height) {
      throw unprocessable(`Crop region is outside the image: (${x}, ${y}) is not inside the ${width}×${height} image`);
    }
    return { x, y, width: Math.min(plan.width, width - x), height: Math.min(plan.height, height - y) };
  }
  let w: number;
  let h: number;
  if (plan.mode === "rect") {
    w = Math.min(plan.width, width);
    h = Math.min(plan.height, height);
  } else if (width / height > plan.ratio) {
    h = height;
    w = Math.min(width, Math.max(1, Math.round(height * plan.ratio)));
  } else {
    w = width;
    h = Math.min(height, Math.max(1, Math.round(width / plan.ratio)));
  }
  return { ...placeByGravity(plan.gravity, width, height, w, h), width: w, height: h };
}

/** The region a face plan selects among the faces found, or undefined when there is none. */
export function faceRegion(width: number, height: number, plan: FaceCrop, faces: readonly Detection[]): Region | undefined {
  const focus = faceFocus(faces, plan.all);
  if (!focus) return undefined;
  const box = growBox(focus, plan.padding);
  const x = Math.max(0, Math.min(width - 1, Math.floor(box.x)));
  const y = Math.max(0, Math.min(height - 1, Math.floor(box.y)));
  const x2 = Math.max(x + 1, Math.min(width, Math.ceil(box.x + box.width)));
  const y2 = Math.max(y + 1, Math.min(height, Math.ceil(box.y + box.height)));
  return { x, y, width: x2 - x, height: y2 - y };
}

/** rect and ratio: cut the region (faces found earlier, if any, move with it). */
export function crop(image: Raster, plan: RectCrop | RatioCrop, ctx: FaceContext = {}): Raster {
  const region = cropRegion(image.width, image.height, plan);
  if (ctx.faces) ctx.faces = moveFaces(ctx.faces, { cut: region });
  return extractRegion(image, region);
}

/** face: detect (once per request), then cut the padded box; no face leaves the image as it is. */
export async function faceCrop(image: Raster, plan: FaceCrop, ctx: FaceContext): Promise<Raster> {
  ctx.faces ??= await detectFaces(image);
  const region = faceRegion(image.width, image.height, plan, ctx.faces);
  if (!region) return image;
  ctx.faces = moveFaces(ctx.faces, { cut: region });
  return extractRegion(image, region);
}

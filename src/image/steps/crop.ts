/**
 * Crop (spec §3.5): cuts a region out of the image. `rect` regions are clamped to the image (an
 * explicit origin outside it is a 422); `ratio` takes the largest region of that aspect ratio. Both
 * are placed by gravity unless an explicit origin is given.
 */
import { unprocessable } from "../../errors";
import type { CropPlan } from "../../request/crop";
import { placeByGravity } from "../../request/gravity";
import { extractRegion, type Region } from "../canvas";
import type { Raster } from "../raster";

export type { Region } from "../canvas";

/** The region of a width × height image that the plan selects (never empty). */
export function cropRegion(width: number, height: number, plan: CropPlan): Region {
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

export function crop(image: Raster, plan: CropPlan): Raster {
  return extractRegion(image, cropRegion(image.width, image.height, plan));
}


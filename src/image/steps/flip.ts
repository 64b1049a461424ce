/** Flip (spec §3.6): mirrors the image left-right and/or top-bottom; pixel-exact. */
import type { FlipPlan } from "../../request/flip";
import { pixels } from "../canvas";
import { createRaster, type Raster } from "../raster";

export function flip(image: Raster, plan: FlipPlan): Raster {
  const { width, height } = image;
  const out = createRaster(width, height, undefined, image.opaque);
  const from = pixels(image);
  const to = pixels(out);
  for (let y = 0; y < height; y++) {
    const source = (plan.vertical ? height - 1 - y : y) * width;
    const target = y * width;
    if (!plan.horizontal) {
      to.set(from.subarray(source, source + width), target);
      continue;
    }
    for (let x = 0, last = source + width - 1; x < width; x++) to[target + x] = from[last - x]!;
  }
  return out;
}

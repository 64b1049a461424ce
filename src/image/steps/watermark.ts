/**
 * Watermark (spec §3.8): composites one of the account's watermark images over the result, last
 * before encoding. Its size is its natural one, or `scale` × the image's width; either way it is
 * shrunk (aspect kept) to fit inside the image less `padding` on every side, then placed there by
 * `gravity` and blended with straight-alpha "over" at `opacity`. `opacity` 0 changes nothing.
 */
import { unprocessable } from "../../errors";
import { placeByGravity } from "../../request/gravity";
import type { WatermarkPlan } from "../../request/watermark";
import { compositeOver, type Region } from "../canvas";
import { createRaster, type Raster } from "../raster";
import { resize } from "../resample";

/** Where the watermark goes on a width × height image, and at what size. */
export function watermarkBox(width: number, height: number, mark: { width: number; height: number }, plan: WatermarkPlan): Region {
  const roomWidth = width - 2 * plan.padding;
  const roomHeight = height - 2 * plan.padding;
  if (roomWidth < 1 || roomHeight < 1) {
    throw unprocessable(`Watermark 'padding' parameter (${plan.padding} px) leaves no room for the watermark on a ${width}×${height} image`);
  }
  const wanted = plan.scale === undefined ? 1 : (plan.scale * width) / mark.width;
  const factor = Math.min(wanted, roomWidth / mark.width, roomHeight / mark.height);
  const boxWidth = Math.min(roomWidth, Math.max(1, Math.round(mark.width * factor)));
  const boxHeight = Math.min(roomHeight, Math.max(1, Math.round(mark.height * factor)));
  const { x, y } = placeByGravity(plan.gravity, roomWidth, roomHeight, boxWidth, boxHeight);
  return { x: x + plan.padding, y: y + plan.padding, width: boxWidth, height: boxHeight };
}

/**
 * The image with the watermark composited onto a copy (the input raster is left as it was: later
 * stages may tell from its identity and pixels whether the pipeline changed anything).
 */
export async function watermark(image: Raster, plan: WatermarkPlan): Promise<Raster> {
  if (!plan.image) throw new Error("watermark step: the route did not look the watermark up");
  const box = watermarkBox(image.width, image.height, plan.image, plan);
  if (plan.opacity === 0) return image;
  const mark = await plan.image.raster();
  // resize() returns a new raster (or the same one at the same size): the cached mark is only read.
  const sized = mark.width === box.width && mark.height === box.height ? mark : await resize(mark, box.width, box.height);
  const out = createRaster(image.width, image.height, image.data.slice(), image.opaque);
  compositeOver(out, sized, box.x, box.y, plan.opacity);
  return out;
}

/** Scale (spec §3.4): multiply the size by a factor, optionally setting the height ÷ width. */
import { TRANSPARENT } from "../../request/color";
import type { ScalePlan } from "../../request/scale";
import type { Raster } from "../raster";
import { scaleLayout } from "../resize-layout";
import { applyLayout, layoutSize, type ResizeContext } from "./resize";

export function scale(image: Raster, plan: ScalePlan, ctx: ResizeContext): Promise<Raster> {
  const { width, height } = layoutSize(image, ctx);
  return applyLayout(image, scaleLayout(width, height, plan), "scale", TRANSPARENT, ctx);
}

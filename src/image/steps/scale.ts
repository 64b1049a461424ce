/** Scale (spec §3.4): multiply the size by a factor, optionally setting the height ÷ width. */
import { TRANSPARENT } from "../../request/color";
import type { ScalePlan } from "../../request/scale";
import type { CanvasLimits } from "../canvas";
import type { Raster } from "../raster";
import { scaleLayout } from "../resize-layout";
import { applyLayout } from "./resize";

export function scale(image: Raster, plan: ScalePlan, limits: CanvasLimits): Promise<Raster> {
  return applyLayout(image, scaleLayout(image.width, image.height, plan), "scale", TRANSPARENT, limits);
}

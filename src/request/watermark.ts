/**
 * The `watermark` section (spec §3.8): `id` of a watermark uploaded to the account (POST
 * /1.0/watermarks), placed by `gravity` (default center) `padding` px from the edges, with
 * `opacity` 0–1 (default 1) and `scale`, the watermark's width as a fraction of the image's
 * (default: its natural size). It is always shrunk to fit inside the padded image.
 *
 * The parser knows only the document. The process route then finds the watermark in storage and
 * sets `image` (storage/watermarks.ts), so an unknown id fails before any image work.
 */
import type { Raster } from "../image/raster";
import { fail, onlyKeys, optionalInt, optionalNumber, optionalString, sectionOf } from "./fields";
import { optionalGravity, type Gravity } from "./gravity";

export const MAX_WATERMARK_PADDING = 4096;

/** A watermark found in storage: its size, and its pixels on demand (decoded once, then cached). */
export interface WatermarkImage {
  width: number;
  height: number;
  raster(): Promise<Raster>;
}

export interface WatermarkPlan {
  id: string;
  gravity: Gravity;
  padding: number;
  opacity: number;
  /** Width as a fraction of the image's width, in (0, 1]; undefined = natural size. */
  scale?: number;
  /** Set by the route once the id was found in the caller's account. */
  image?: WatermarkImage;
}

function parseScale(section: Record<string, unknown>): number | undefined {
  const scale = optionalNumber(section, "watermark", "scale", 0, 1);
  if (scale === 0) fail("watermark", "scale", "must be a number greater than 0 and at most 1");
  return scale;
}

export function parseWatermark(value: unknown): WatermarkPlan | undefined {
  const section = sectionOf(value, "watermark");
  if (!section) return undefined;
  onlyKeys(section, "watermark", ["id", "gravity", "padding", "opacity", "scale"]);
  if (Object.values(section).every((v) => v === undefined || v === null)) return undefined;
  const id = optionalString(section, "watermark", "id", 64);
  if (id === undefined || id.trim() === "") fail("watermark", "id", "is required: the id returned by POST /1.0/watermarks");
  return {
    id: id.trim(),
    gravity: optionalGravity(section, "watermark") ?? "center",
    padding: optionalInt(section, "watermark", "padding", 0, MAX_WATERMARK_PADDING) ?? 0,
    opacity: optionalNumber(section, "watermark", "opacity", 0, 1) ?? 1,
    scale: parseScale(section),
  };
}

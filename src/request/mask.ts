/**
 * The `mask` section (spec §3.9): keep only an `ellipse` inscribed in the image (the default shape)
 * or a `rectangle` with corners rounded to `radius` px; `background` fills what is outside (default
 * transparent, which the output flattens onto `output.background` for formats without alpha).
 */
import { TRANSPARENT, optionalColor, type Rgba } from "./color";
import { fail, onlyKeys, optionalEnum, optionalInt, sectionOf } from "./fields";

export const MAX_RADIUS = 16384;

export interface MaskPlan {
  shape: "ellipse" | "rectangle";
  /** Corner radius in px (rectangle only); clamped to half the shorter side when applied. */
  radius: number;
  background: Rgba;
}

export function parseMask(value: unknown): MaskPlan | undefined {
  const section = sectionOf(value, "mask");
  if (!section) return undefined;
  onlyKeys(section, "mask", ["shape", "radius", "background"]);
  if (Object.values(section).every((v) => v === undefined || v === null)) return undefined;
  const shape = optionalEnum(section, "mask", "shape", ["ellipse", "rectangle"] as const) ?? "ellipse";
  const radius = optionalInt(section, "mask", "radius", 0, MAX_RADIUS);
  if (shape === "ellipse" && radius !== undefined) fail("mask", "radius", "applies only to shape 'rectangle'");
  const background = optionalColor(section, "mask", "background") ?? TRANSPARENT;
  // A rectangle with square corners covers the whole image: nothing to do.
  if (shape === "rectangle" && !radius) return undefined;
  return { shape, radius: radius ?? 0, background };
}

/**
 * The `border` section (spec §3.13): a frame of `size` px in `color` (default black) around the
 * image; `radius` rounds the outer corners (the image inside follows radius − size), and
 * `background` fills what the rounding cuts away (default transparent).
 */
import { TRANSPARENT, optionalColor, type Rgba } from "./color";
import { fail, onlyKeys, optionalInt, sectionOf } from "./fields";

export const MAX_BORDER = 1000;
export const MAX_BORDER_RADIUS = 16384;
const BLACK: Rgba = { r: 0, g: 0, b: 0, a: 255 };

export interface BorderPlan {
  size: number;
  color: Rgba;
  radius: number;
  background: Rgba;
}

export function parseBorder(value: unknown): BorderPlan | undefined {
  const section = sectionOf(value, "border");
  if (!section) return undefined;
  onlyKeys(section, "border", ["size", "color", "radius", "background"]);
  if (Object.values(section).every((v) => v === undefined || v === null)) return undefined;
  const size = optionalInt(section, "border", "size", 1, MAX_BORDER);
  if (size === undefined) fail("border", "size", `is required: a positive integer of at most ${MAX_BORDER}`);
  return {
    size,
    color: optionalColor(section, "border", "color") ?? BLACK,
    radius: optionalInt(section, "border", "radius", 0, MAX_BORDER_RADIUS) ?? 0,
    background: optionalColor(section, "border", "background") ?? TRANSPARENT,
  };
}

/** Gravity: where a region is anchored inside a larger one (crop, fit, fill, watermark). */
import { optionalEnum, type Section } from "./fields";

export const GRAVITIES = ["center", "top-left", "top", "top-right", "right", "bottom-right", "bottom", "bottom-left", "left"] as const;
export type Gravity = (typeof GRAVITIES)[number];

/** Gravities found from the picture's content (resize `fit`): faces, or the most interesting region. */
export const CONTENT_GRAVITIES = ["face", "faces", "auto"] as const;
export type ContentGravity = (typeof CONTENT_GRAVITIES)[number];

export function isContentGravity(value: string): value is ContentGravity {
  return (CONTENT_GRAVITIES as readonly string[]).includes(value);
}

export function optionalGravity(obj: Section, section: string, key = "gravity"): Gravity | undefined {
  return optionalEnum(obj, section, key, GRAVITIES);
}

/** Top-left offset of an inner box (innerW × innerH) placed in an outer one by gravity. */
export function placeByGravity(gravity: Gravity, outerW: number, outerH: number, innerW: number, innerH: number): { x: number; y: number } {
  const freeX = outerW - innerW;
  const freeY = outerH - innerH;
  const x = gravity.endsWith("left") ? 0 : gravity.endsWith("right") ? freeX : Math.round(freeX / 2);
  const y = gravity.startsWith("top") ? 0 : gravity.startsWith("bottom") ? freeY : Math.round(freeY / 2);
  return { x, y };
}

/**
 * The `padding` section (spec §3.13, ours): grows the canvas by `size` px on every side, or by
 * `top`/`right`/`bottom`/`left` (each overrides `size` for its side), filled with `background`
 * (default white).
 */
import { WHITE, optionalColor, type Rgba } from "./color";
import { onlyKeys, optionalInt, sectionOf, type Section } from "./fields";

export const MAX_PADDING = 4096;

export interface PaddingPlan {
  top: number;
  right: number;
  bottom: number;
  left: number;
  background: Rgba;
}

function side(section: Section, key: string, size: number): number {
  return optionalInt(section, "padding", key, 0, MAX_PADDING) ?? size;
}

export function parsePadding(value: unknown): PaddingPlan | undefined {
  const section = sectionOf(value, "padding");
  if (!section) return undefined;
  onlyKeys(section, "padding", ["size", "top", "right", "bottom", "left", "background"]);
  const size = optionalInt(section, "padding", "size", 0, MAX_PADDING) ?? 0;
  const plan: PaddingPlan = {
    top: side(section, "top", size),
    right: side(section, "right", size),
    bottom: side(section, "bottom", size),
    left: side(section, "left", size),
    background: optionalColor(section, "padding", "background") ?? WHITE,
  };
  return plan.top || plan.right || plan.bottom || plan.left ? plan : undefined;
}

/** The `flip` section (spec §3.6): mirror left-right and/or top-bottom. */
import { onlyKeys, optionalBool, sectionOf } from "./fields";

export interface FlipPlan {
  /** Mirror left-right. */
  horizontal: boolean;
  /** Mirror top-bottom. */
  vertical: boolean;
}

export function parseFlip(value: unknown): FlipPlan | undefined {
  const section = sectionOf(value, "flip");
  if (!section) return undefined;
  onlyKeys(section, "flip", ["horizontal", "vertical"]);
  const horizontal = optionalBool(section, "flip", "horizontal") ?? false;
  const vertical = optionalBool(section, "flip", "vertical") ?? false;
  return horizontal || vertical ? { horizontal, vertical } : undefined;
}

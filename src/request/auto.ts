/**
 * The `auto` section (spec §3.12): `enhance: true` asks for automatic white balance, levels and
 * gamma in one pass. `false`, null or an empty section ask for nothing.
 */
import { onlyKeys, optionalBool, sectionOf } from "./fields";

export interface AutoPlan {
  enhance: true;
}

export function parseAuto(value: unknown): AutoPlan | undefined {
  const section = sectionOf(value, "auto");
  if (!section) return undefined;
  onlyKeys(section, "auto", ["enhance"]);
  return optionalBool(section, "auto", "enhance") ? { enhance: true } : undefined;
}

/**
 * The `adjust` section (spec §3.11): tone and colour corrections. `brightness`, `contrast`,
 * `saturation`, `exposure`, `vibrance` are integers −100…100, `gamma` 0.1–10, `hue` −180…180
 * degrees, `unsharp` and `clarity` 0–100. The neutral value of each (0, or 1 for gamma) changes
 * nothing; a section where every value is neutral parses to nothing, so the step is skipped.
 */
import { onlyKeys, optionalInt, optionalNumber, sectionOf } from "./fields";

export interface AdjustPlan {
  brightness: number;
  contrast: number;
  saturation: number;
  exposure: number;
  vibrance: number;
  gamma: number;
  hue: number;
  unsharp: number;
  clarity: number;
}

export const NEUTRAL_ADJUST: Readonly<AdjustPlan> = {
  brightness: 0, contrast: 0, saturation: 0, exposure: 0, vibrance: 0, gamma: 1, hue: 0, unsharp: 0, clarity: 0,
};

const SIGNED = ["brightness", "contrast", "saturation", "exposure", "vibrance"] as const;
const KEYS = [...SIGNED, "gamma", "hue", "unsharp", "clarity"] as const;

/** True when the plan would leave every pixel as it is. */
export function isNeutralAdjust(plan: AdjustPlan): boolean {
  return KEYS.every((key) => plan[key] === NEUTRAL_ADJUST[key]);
}

export function parseAdjust(value: unknown): AdjustPlan | undefined {
  const section = sectionOf(value, "adjust");
  if (!section) return undefined;
  onlyKeys(section, "adjust", KEYS);
  const plan: AdjustPlan = { ...NEUTRAL_ADJUST };
  for (const key of SIGNED) plan[key] = optionalInt(section, "adjust", key, -100, 100) ?? 0;
  plan.gamma = optionalNumber(section, "adjust", "gamma", 0.1, 10) ?? 1;
  plan.hue = optionalNumber(section, "adjust", "hue", -180, 180) ?? 0;
  plan.unsharp = optionalNumber(section, "adjust", "unsharp", 0, 100) ?? 0;
  plan.clarity = optionalNumber(section, "adjust", "clarity", 0, 100) ?? 0;
  return isNeutralAdjust(plan) ? undefined : plan;
}

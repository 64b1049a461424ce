/**
 * The `filter` section, also sent as `stylize` by the Go and Java clients (spec §3.10): `blur`
 * `{"mode": "gaussian" | "box", "value": 0–100}` (mode defaults to gaussian), `grayscale`,
 * `sepia`, `negative` booleans, `pixelate` block size 1–100 px, `vignette` 0–100. Neutral values
 * (blur value 0, pixelate 1, vignette 0, false) ask for nothing; a section asking for nothing
 * parses to nothing. Messages name the section by the key the caller used.
 */
import { unprocessable } from "../errors";
import { fail, onlyKeys, optionalBool, optionalEnum, optionalInt, optionalNumber, sectionOf, type Section } from "./fields";

export type BlurMode = "gaussian" | "box";

export interface FilterPlan {
  blur?: { mode: BlurMode; value: number };
  grayscale: boolean;
  sepia: boolean;
  negative: boolean;
  /** Block size in px; 1 leaves the image as it is. */
  pixelate: number;
  vignette: number;
}

const KEYS = ["blur", "grayscale", "sepia", "negative", "pixelate", "vignette"];

function parseBlur(section: Section, name: string): FilterPlan["blur"] {
  const value = section.blur;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) fail(name, "blur", `must be an object such as {"mode": "gaussian", "value": 10}`);
  const blur = value as Section;
  const inner = `${name} blur`;
  onlyKeys(blur, inner, ["mode", "value"]);
  const mode = optionalEnum(blur, inner, "mode", ["gaussian", "box"] as const) ?? "gaussian";
  const strength = optionalNumber(blur, inner, "value", 0, 100);
  if (strength === undefined) fail(inner, "value", "is required: a number from 0 to 100");
  return strength > 0 ? { mode, value: strength } : undefined;
}

function asksForNothing(plan: FilterPlan): boolean {
  return !plan.blur && !plan.grayscale && !plan.sepia && !plan.negative && plan.pixelate === 1 && plan.vignette === 0;
}

/** One section, named `name` ("filter" or "stylize") in messages. */
export function parseFilterSection(value: unknown, name: string): FilterPlan | undefined {
  const section = sectionOf(value, name);
  if (!section) return undefined;
  onlyKeys(section, name, KEYS);
  const plan: FilterPlan = {
    blur: parseBlur(section, name),
    grayscale: optionalBool(section, name, "grayscale") ?? false,
    sepia: optionalBool(section, name, "sepia") ?? false,
    negative: optionalBool(section, name, "negative") ?? false,
    pixelate: optionalInt(section, name, "pixelate", 1, 100) ?? 1,
    vignette: optionalNumber(section, name, "vignette", 0, 100) ?? 0,
  };
  return asksForNothing(plan) ? undefined : plan;
}

function nonEmpty(value: unknown): boolean {
  return value !== undefined && value !== null && !(typeof value === "object" && !Array.isArray(value) && Object.keys(value).length === 0);
}

/** `filter` and its alias `stylize`: either one, not both. */
export function parseFilter(filter: unknown, stylize: unknown): FilterPlan | undefined {
  if (nonEmpty(filter) && nonEmpty(stylize)) throw unprocessable("Use either 'filter' or its alias 'stylize', not both");
  return nonEmpty(stylize) ? parseFilterSection(stylize, "stylize") : parseFilterSection(filter, "filter");
}

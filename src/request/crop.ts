/**
 * The `crop` section (spec §3.5). `rect`: `width` × `height` placed by `gravity` or at an explicit
 * top-left `x`, `y`; `ratio`: the largest region of aspect `"W:H"` placed by `gravity`; `face`:
 * the box around the most prominent face (`faces: "all"`: around every face) grown by `padding`
 * percent of its size on each side. The mode defaults to `ratio` when `ratio` is given, else `rect`.
 */
import { fail, onlyKeys, optionalEnum, optionalInt, optionalNumber, sectionOf, type Section } from "./fields";
import { optionalGravity, type Gravity } from "./gravity";

export const MAX_CROP_SIDE = 16384;
const MAX_OFFSET = 65535;
const MODES = ["rect", "ratio", "face"] as const;
/** `padding` of mode `face`: percent of the face box added on each side. */
export const DEFAULT_FACE_PADDING = 50;
const MAX_FACE_PADDING = 1000;

export interface RectCrop {
  mode: "rect";
  width: number;
  height: number;
  gravity: Gravity;
  /** Explicit top-left corner; gravity is ignored when present. */
  origin?: { x: number; y: number };
}

export interface RatioCrop {
  mode: "ratio";
  /** Width ÷ height of the region. */
  ratio: number;
  gravity: Gravity;
}

export interface FaceCrop {
  mode: "face";
  /** Around every face found, not only the most prominent one. */
  all: boolean;
  /** Percent of the face box's width (height) added left and right (top and bottom). */
  padding: number;
}

export type CropPlan = RectCrop | RatioCrop | FaceCrop;

/** Which parameters each mode takes (besides `mode`). */
const PARAMETERS: Record<(typeof MODES)[number], readonly string[]> = {
  rect: ["width", "height", "gravity", "x", "y"],
  ratio: ["ratio", "gravity"],
  face: ["faces", "padding"],
};

function given(section: Section, key: string): boolean {
  return section[key] !== undefined && section[key] !== null;
}

function required(section: Section, key: string, mode: string): number {
  const value = optionalInt(section, "crop", key, 1, MAX_CROP_SIDE);
  if (value === undefined) fail("crop", key, `is required for mode '${mode}': a positive integer of at most ${MAX_CROP_SIDE}`);
  return value;
}

function parseRatio(section: Section): number {
  const raw = section.ratio;
  const match = typeof raw === "string" ? /^\s*(\d+(?:\.\d+)?)\s*:\s*(\d+(?:\.\d+)?)\s*$/.exec(raw) : null;
  const w = Number(match?.[1]);
  const h = Number(match?.[2]);
  if (!match || !(w > 0) || !(h > 0)) fail("crop", "ratio", "must be 'W:H' with positive numbers, such as '16:9' or '4.5:3'");
  return w / h;
}

function parseRect(section: Section): RectCrop {
  const width = required(section, "width", "rect");
  const height = required(section, "height", "rect");
  const gravity = optionalGravity(section, "crop") ?? "center";
  const x = optionalInt(section, "crop", "x", 0, MAX_OFFSET);
  const y = optionalInt(section, "crop", "y", 0, MAX_OFFSET);
  const plan: RectCrop = { mode: "rect", width, height, gravity };
  if (x !== undefined || y !== undefined) plan.origin = { x: x ?? 0, y: y ?? 0 };
  return plan;
}

function parseFace(section: Section): FaceCrop {
  const faces = optionalEnum(section, "crop", "faces", ["one", "all"] as const) ?? "one";
  const padding = optionalNumber(section, "crop", "padding", 0, MAX_FACE_PADDING) ?? DEFAULT_FACE_PADDING;
  return { mode: "face", all: faces === "all", padding };
}

/** Parameters given (not null) that the chosen mode does not take are refused, not ignored. */
function checkApplicable(section: Section, mode: (typeof MODES)[number]): void {
  for (const key of Object.keys(section)) {
    if (key === "mode" || !given(section, key) || PARAMETERS[mode].includes(key)) continue;
    fail("crop", key, `does not apply to mode '${mode}', which takes ${PARAMETERS[mode].map((k) => `'${k}'`).join(", ")}`);
  }
}

export function parseCrop(value: unknown): CropPlan | undefined {
  const section = sectionOf(value, "crop");
  if (!section) return undefined;
  onlyKeys(section, "crop", ["mode", ...new Set(Object.values(PARAMETERS).flat())]);
  if (!Object.keys(section).some((key) => given(section, key))) return undefined;
  const mode = optionalEnum(section, "crop", "mode", MODES) ?? (given(section, "ratio") ? "ratio" : "rect");
  checkApplicable(section, mode);
  if (mode === "rect") return parseRect(section);
  if (mode === "face") return parseFace(section);
  if (!given(section, "ratio")) fail("crop", "ratio", "is required for mode 'ratio': 'W:H' such as '16:9'");
  return { mode: "ratio", ratio: parseRatio(section), gravity: optionalGravity(section, "crop") ?? "center" };
}

/**
 * The `rotate` section (spec §3.7): `angle` in degrees, any number, clockwise; `background` for the
 * corners a rotation by other than a right angle uncovers (default fully transparent).
 */
import { TRANSPARENT, optionalColor, type Rgba } from "./color";
import { fail, onlyKeys, sectionOf, type Section } from "./fields";

export interface RotatePlan {
  /** Clockwise degrees, normalised to (0, 360). */
  angle: number;
  background: Rgba;
}

const NUMBER = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

function readAngle(section: Section): number {
  const raw = section.angle;
  if (raw === undefined || raw === null) return 0;
  const n = typeof raw === "number" ? raw : typeof raw === "string" && NUMBER.test(raw) ? Number(raw) : NaN;
  if (!Number.isFinite(n)) fail("rotate", "angle", "must be a number of degrees");
  return n;
}

/** Degrees into [0, 360); angles within a millionth of a degree of a right angle snap to it. */
export function normaliseAngle(degrees: number): number {
  const angle = ((degrees % 360) + 360) % 360;
  const right = Math.round(angle / 90) * 90;
  return Math.abs(angle - right) < 1e-6 ? right % 360 : angle;
}

export function parseRotate(value: unknown): RotatePlan | undefined {
  const section = sectionOf(value, "rotate");
  if (!section) return undefined;
  onlyKeys(section, "rotate", ["angle", "background"]);
  const angle = normaliseAngle(readAngle(section));
  const background = optionalColor(section, "rotate", "background") ?? TRANSPARENT;
  return angle === 0 ? undefined : { angle, background };
}

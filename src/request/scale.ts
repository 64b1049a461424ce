/** The `scale` section (spec §3.4): a factor, and optionally the height ÷ width of the result. */
import { fail, onlyKeys, optionalNumber, sectionOf } from "./fields";

export interface ScalePlan {
  size: number;
  /** Height ÷ width of the result; undefined keeps the source proportions. */
  ratio?: number;
}

export function parseScale(value: unknown): ScalePlan | undefined {
  const section = sectionOf(value, "scale");
  if (!section) return undefined;
  onlyKeys(section, "scale", ["size", "ratio"]);
  const size = optionalNumber(section, "scale", "size", 0, 16);
  if (size === undefined || size <= 0) fail("scale", "size", "must be a number greater than 0 and at most 16");
  const ratio = optionalNumber(section, "scale", "ratio", 0, 100);
  if (ratio !== undefined && ratio <= 0) fail("scale", "ratio", "must be a number greater than 0 and at most 100");
  return { size, ratio };
}

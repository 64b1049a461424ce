/** The `resize` section (spec §3.3). */
import { unprocessable } from "../errors";
import { optionalColor, WHITE, type Rgba } from "./color";
import { onlyKeys, optionalBool, optionalEnum, optionalInt, sectionOf } from "./fields";
import { CONTENT_GRAVITIES, GRAVITIES, isContentGravity, type ContentGravity, type Gravity } from "./gravity";

export const MAX_SIDE = 16384;

export type ResizeMode = "auto" | "fit" | "fill" | "exact";

export interface ResizePlan {
  mode: ResizeMode;
  width?: number;
  height?: number;
  /** Content gravities (`face`, `faces`, `auto`) only with mode `fit`. */
  gravity: Gravity | ContentGravity;
  upscale: boolean;
  /** `fill`: the colour around the image. */
  background: Rgba;
}

function parseGravity(section: Record<string, unknown>, mode: ResizeMode): Gravity | ContentGravity {
  const value = optionalEnum(section, "resize", "gravity", [...GRAVITIES, ...CONTENT_GRAVITIES]);
  if (value === undefined) return "center";
  if (isContentGravity(value) && mode !== "fit") {
    throw unprocessable(`Resize 'gravity' '${value}' applies only to mode 'fit' (it chooses which part of the image the crop keeps)`);
  }
  return value;
}

export function parseResize(value: unknown): ResizePlan | undefined {
  const section = sectionOf(value, "resize");
  if (!section) return undefined;
  onlyKeys(section, "resize", ["mode", "width", "height", "gravity", "upscale", "background"]);
  const mode = optionalEnum(section, "resize", "mode", ["auto", "fit", "fill", "exact"] as const) ?? "auto";
  const width = optionalInt(section, "resize", "width", 1, MAX_SIDE);
  const height = optionalInt(section, "resize", "height", 1, MAX_SIDE);
  if (width === undefined && height === undefined) throw unprocessable("Resize needs 'width' or 'height' (positive integers)");
  if (mode !== "auto" && (width === undefined || height === undefined)) {
    throw unprocessable(`Resize mode '${mode}' needs both 'width' and 'height'`);
  }
  return {
    mode,
    width,
    height,
    gravity: parseGravity(section, mode),
    upscale: optionalBool(section, "resize", "upscale") ?? true,
    background: optionalColor(section, "resize", "background") ?? WHITE,
  };
}

/** The `resize` section (spec §3.3). */
import { unprocessable } from "../errors";
import { optionalColor, WHITE, type Rgba } from "./color";
import { onlyKeys, optionalBool, optionalEnum, optionalInt, sectionOf } from "./fields";
import { GRAVITIES, type Gravity } from "./gravity";

export const MAX_SIDE = 16384;

export type ResizeMode = "auto" | "fit" | "fill" | "exact";

export interface ResizePlan {
  mode: ResizeMode;
  width?: number;
  height?: number;
  gravity: Gravity;
  upscale: boolean;
  /** `fill`: the colour around the image. */
  background: Rgba;
}

const CONTENT_GRAVITIES = ["face", "faces", "auto"] as const;

function parseGravity(section: Record<string, unknown>): Gravity {
  const value = optionalEnum(section, "resize", "gravity", [...GRAVITIES, ...CONTENT_GRAVITIES]);
  if (value === undefined) return "center";
  if ((CONTENT_GRAVITIES as readonly string[]).includes(value)) {
    throw unprocessable(`Resize 'gravity' '${value}' is not available on this server yet`);
  }
  return value as Gravity;
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
    gravity: parseGravity(section),
    upscale: optionalBool(section, "resize", "upscale") ?? true,
    background: optionalColor(section, "resize", "background") ?? WHITE,
  };
}

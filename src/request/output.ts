/** The `output` section: format, quality, JPEG encoding, background for flattening, metadata. */
import { unprocessable } from "../errors";
import { WHITE, optionalColor, type Rgba } from "./color";
import { fail, onlyKeys, optionalEnum, optionalInt, sectionOf } from "./fields";

export type EncodableFormat = "jpeg" | "png" | "webp" | "avif";

export interface OutputPlan {
  /** "auto" = the input's format; "best" = the smallest candidate at the perceptual target. */
  format: "auto" | EncodableFormat | "best";
  quality?: number;
  /** JPEG: progressive (default) or baseline. */
  progressive: boolean;
  /** Colour that alpha is flattened on for formats without alpha. */
  background: Rgba;
}

const KNOWN_FORMATS = ["auto", "jpeg", "jpg", "png", "webp", "avif", "gif", "jp2", "jxl", "best"] as const;
const UNSUPPORTED = new Set(["gif", "jp2", "jxl"]);

function parseMetadata(value: unknown): void {
  if (value === undefined || value === null || value === false) return;
  if (Array.isArray(value) && value.length === 0) return;
  const kinds = ["exif", "icc", "xmp", "copyright"];
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string" && kinds.includes(v.toLowerCase()))) {
    fail("output", "metadata", "must be false or a list of 'exif', 'icc', 'xmp', 'copyright'");
  }
  throw unprocessable("Output 'metadata' parameter: keeping metadata is not supported yet; outputs are always stripped (use false)");
}

export function parseOutput(value: unknown): OutputPlan {
  const section = sectionOf(value, "output") ?? {};
  onlyKeys(section, "output", ["format", "quality", "encoding", "background", "metadata"]);
  const raw = optionalEnum(section, "output", "format", KNOWN_FORMATS) ?? "auto";
  if (UNSUPPORTED.has(raw)) throw unprocessable(`Output 'format' '${raw}' is not supported on this server`);
  parseMetadata(section.metadata);
  const quality = optionalInt(section, "output", "quality", 1, 100);
  if (raw === "best" && quality !== undefined) {
    fail("output", "quality", "cannot be combined with format 'best', which chooses each format's quality for the 'optimize' target");
  }
  return {
    format: raw === "jpg" ? "jpeg" : (raw as OutputPlan["format"]),
    quality,
    progressive: (optionalEnum(section, "output", "encoding", ["baseline", "progressive"] as const) ?? "progressive") === "progressive",
    background: optionalColor(section, "output", "background") ?? WHITE,
  };
}

/**
 * Probing: what an input is, decided from its bytes alone (never its name or content type), by
 * reading headers only. It runs before any decode so the caller can reject unsupported inputs
 * (415) and check pixel limits (422) without spending memory on pixels.
 *
 * Robustness: every format parser reads through bounds-checked helpers (probe/bytes.ts), walks
 * are linear in the input and capped, and nothing allocates in proportion to values claimed by
 * the file. Random, truncated or hostile bytes end in an ApiError 415, never another exception.
 *
 * One file per format under probe/: jpeg.ts (+ jpeg-quality.ts for the IJG quality estimate),
 * png.ts, webp.ts, avif.ts (ISO-BMFF/HEIF), gif.ts, and exif.ts for EXIF orientation.
 */
import { ApiError } from "../errors";
import { probeIsoBmff } from "./probe/avif";
import { ProbeFailure, startsWith, unsupported } from "./probe/bytes";
import { probeGif } from "./probe/gif";
import { probeJpeg } from "./probe/jpeg";
import { probePng } from "./probe/png";
import { probeWebp } from "./probe/webp";

export type ImageFormat = "jpeg" | "png" | "webp" | "avif" | "gif";

export interface ProbeResult {
  format: ImageFormat;
  /** As stored, before EXIF orientation (or AVIF irot/imir) is applied. */
  width: number;
  height: number;
  /**
   * EXIF orientation 1..8 (1 when absent or invalid): JPEG APP1 Exif, PNG eXIf, WebP EXIF; for
   * AVIF the equivalent of the primary item's irot/imir, which our decoder does not apply.
   */
  orientation: number;
  /** JPEG progressive, PNG Adam7, GIF interlaced first frame. */
  interlaced: boolean;
  /** JPEG chroma subsampling ("4:2:0", ...); null for grayscale JPEG and other formats. */
  sampling: string | null;
  /** JPEG only: the IJG quality 1..100 whose tables best match the file's (probe/jpeg-quality.ts). */
  quality: number | null;
  /** Bits per stored pixel: 24 RGB, 32 RGBA, 8 gray or palette index, 16 gray+alpha, 48/64 at 16 bits. */
  depth: number;
  /** "YCbCr", "Gray", "CMYK", "YCCK" (JPEG); "sRGB" or "Gray" (others). */
  colorspace: string;
  hasAlpha: boolean;
  /** As stored: 8, 16 (PNG), 10 or 12 (AVIF), the sample precision for JPEG. Palette PNG: 8. */
  bitsPerChannel: number;
  /** GIF with more than one frame, WebP with the animation flag, APNG (acTL > 1 frame), AVIF sequence. */
  animated: boolean;
}

const NAMES: Readonly<Record<ImageFormat, string>> = {
  jpeg: "JPEG",
  png: "PNG",
  webp: "WebP",
  avif: "AVIF",
  gif: "GIF",
};

const PARSERS: Readonly<Record<ImageFormat, (b: Uint8Array) => ProbeResult>> = {
  jpeg: probeJpeg,
  png: probePng,
  webp: probeWebp,
  avif: probeIsoBmff,
  gif: probeGif,
};

/** Format, size and header facts of an image; throws ApiError 415 for anything else. */
export function probe(bytes: Uint8Array): ProbeResult {
  if (bytes.length === 0) throw unsupported("the input is empty");
  const format = sniff(bytes);
  if (!format) throw unsupported(describeForeign(bytes));
  try {
    return PARSERS[format](bytes);
  } catch (err) {
    if (err instanceof ProbeFailure) throw new ApiError(415, `The input is not a valid ${NAMES[format]} image: ${err.message}`);
    throw err;
  }
}

/** The supported format the magic bytes announce, or null. */
function sniff(b: Uint8Array): ImageFormat | null {
  if (startsWith(b, [0xff, 0xd8])) return "jpeg";
  if (startsWith(b, [0x89, 0x50, 0x4e, 0x47])) return "png";
  if (startsWith(b, "GIF8")) return "gif";
  if (startsWith(b, "RIFF") && (b.length < 12 || startsWith(b, "WEBP", 8))) return "webp";
  if (startsWith(b, "ftyp", 4) && !startsWith(b, "jxl ", 8)) return "avif";
  return null;
}

/** Signatures of formats we do not serve, to say what the input looks like. */
const FOREIGN: ReadonlyArray<{ magic: readonly number[] | string; offset?: number; name: string }> = [
  { magic: "II*\0", name: "a TIFF file" },
  { magic: "MM\0*", name: "a TIFF file" },
  { magic: "II+\0", name: "a BigTIFF file" },
  { magic: "MM\0+", name: "a BigTIFF file" },
  { magic: [0xff, 0x0a], name: "a JPEG XL file" },
  { magic: [0, 0, 0, 0x0c, 0x4a, 0x58, 0x4c, 0x20, 0x0d, 0x0a, 0x87, 0x0a], name: "a JPEG XL file" },
  { magic: "jxl ", offset: 8, name: "a JPEG XL file" },
  { magic: [0, 0, 0, 0x0c, 0x6a, 0x50, 0x20, 0x20, 0x0d, 0x0a, 0x87, 0x0a], name: "a JPEG 2000 file" },
  { magic: [0xff, 0x4f, 0xff, 0x51], name: "a JPEG 2000 codestream" },
  { magic: "BM", name: "a BMP file" },
  { magic: "%PDF-", name: "a PDF document" },
  { magic: "8BPS", name: "a Photoshop (PSD) file" },
  { magic: [0, 0, 1, 0], name: "an ICO file" },
  { magic: "RIFF", name: "a RIFF file that is not WebP (AVI, WAV, ...)" },
  { magic: [0x1f, 0x8b], name: "gzip-compressed data" },
  { magic: [0x50, 0x4b, 0x03, 0x04], name: "a ZIP archive" },
];

function describeForeign(b: Uint8Array): string {
  const known = FOREIGN.find((f) => startsWith(b, f.magic, f.offset ?? 0));
  if (known) return `bytes start like ${known.name}`;
  const text = describeText(b);
  return text ? `bytes look like ${text}` : "unknown format";
}

/** SVG, XML or HTML text (after an optional BOM and white space). */
function describeText(b: Uint8Array): string | null {
  const head = new TextDecoder().decode(b.subarray(0, 1024)).replace(/^\uFEFF?\s*/, "").toLowerCase();
  if (!head.startsWith("<")) return null;
  if (head.includes("<svg")) return "SVG text";
  if (head.startsWith("<!doctype html") || head.startsWith("<html")) return "an HTML document";
  if (head.startsWith("<?xml") || head.startsWith("<!--")) return "XML text";
  return null;
}

/** SHA-1 of the bytes as 40 lowercase hex digits. */
export async function sha1Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-1", bytes));
  let hex = "";
  for (const byte of digest) hex += byte.toString(16).padStart(2, "0");
  return hex;
}

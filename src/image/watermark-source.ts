/**
 * Watermark images: what may be uploaded as one (PNG, WebP or JPEG, at most 4096 px per side and
 * within the deployment's pixel limit), and decoding one into the sRGB, upright raster the
 * watermark step composites. Uploads are checked with the same probe as inputs, from the bytes.
 */
import { ApiError } from "../errors";
import { applyEmbeddedProfile } from "./icc";
import { probe, type ImageFormat, type ProbeResult } from "./probe";
import type { Raster } from "./raster";
import { orient, orientedSize } from "./steps/orient";
import { decode } from "./transcode";

/** Largest watermark file, bytes. */
export const MAX_WATERMARK_BYTES = 2 * 1024 * 1024;
/** Largest watermark width or height, pixels (after EXIF orientation). */
export const MAX_WATERMARK_SIDE = 4096;

const WATERMARK_FORMATS: readonly ImageFormat[] = ["png", "webp", "jpeg"];

/** What an accepted watermark is: its format and upright size. */
export interface WatermarkFacts {
  format: "png" | "webp" | "jpeg";
  width: number;
  height: number;
}

/** Probes an upload and refuses what cannot be a watermark: 415 for the format, 422 for the size. */
export function inspectWatermark(bytes: Uint8Array, maxPixels: number): WatermarkFacts {
  const info = probe(bytes);
  if (!WATERMARK_FORMATS.includes(info.format)) {
    throw new ApiError(415, `A watermark must be a PNG, WebP or JPEG image; this one is ${info.format.toUpperCase()}.`);
  }
  const [width, height] = orientedSize(info.width, info.height, info.orientation);
  if (width > MAX_WATERMARK_SIDE || height > MAX_WATERMARK_SIDE) {
    throw new ApiError(422, `A watermark may be at most ${MAX_WATERMARK_SIDE}×${MAX_WATERMARK_SIDE} pixels; this one is ${width}×${height}.`);
  }
  if (width * height > maxPixels) {
    throw new ApiError(422, `A watermark may have at most ${maxPixels} pixels on this server; this one is ${width}×${height}.`);
  }
  return { format: info.format as WatermarkFacts["format"], width, height };
}

/** Decodes a watermark as the pipeline sees inputs: sRGB (embedded profile applied) and upright. */
export async function decodeWatermark(bytes: Uint8Array): Promise<Raster> {
  const info: ProbeResult = probe(bytes);
  const decoded = await decode(bytes, info.format);
  const srgb = await applyEmbeddedProfile(bytes, info, decoded);
  return orient(srgb, info.orientation);
}

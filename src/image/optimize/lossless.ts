/**
 * `optimize.compression: "lossless"`: no pixel changes. PNG: exact palette or smallest direct
 * layout (png.ts); WebP and AVIF: their lossless modes; JPEG: when the source JPEG reaches the
 * encoder untouched, its coefficients are re-coded (optimal Huffman tables, progressive scans,
 * metadata dropped) without decoding to pixels; a JPEG whose pixels changed (or that came from
 * another format) can only be re-encoded at quality 100 with full-resolution chroma.
 */
import { transcode } from "../codecs/jpeg-turbo";
import * as avif from "../codecs/avif";
import * as webp from "../codecs/webp";
import { ApiError } from "../../errors";
import type { EncodableFormat } from "../../request/output";
import { materialise, type StripSource } from "../strips";
import { encodeAtQuality } from "./lossy";
import { jpegEncoder } from "./lossy-formats";
import type { Encoded } from "./outcome";
import { losslessPng } from "./png";

/** libwebp reads quality as effort in lossless mode; 75 is cwebp's default. */
const WEBP_LOSSLESS_EFFORT = 75;

export interface LosslessSource {
  /** The source JPEG, when its pixels reach the encoder unchanged. */
  untouchedJpeg?: Uint8Array;
  progressive: boolean;
}

/**
 * Pixels up to which each lossless mode runs: WebP's (VP8L) and AVIF's lossless encoders take the
 * whole image (plus their own copies of it), so large images cannot have them; PNG and JPEG
 * lossless work on strips, up to the output limit.
 */
export const LOSSLESS_WHOLE_IMAGE_PIXELS: Readonly<Record<"webp" | "avif", number>> = { webp: 4_000_000, avif: 2_500_000 };

/** Whether `format`'s lossless mode can take an image of `pixels`. */
export function losslessFits(format: EncodableFormat, pixels: number): boolean {
  return format === "png" || format === "jpeg" || pixels <= LOSSLESS_WHOLE_IMAGE_PIXELS[format];
}

export async function encodeLossless(image: StripSource, format: EncodableFormat, source: LosslessSource): Promise<Encoded> {
  if (!losslessFits(format, image.width * image.height)) {
    throw new ApiError(
      422,
      `Lossless ${format.toUpperCase()} is limited to ${LOSSLESS_WHOLE_IMAGE_PIXELS[format as "webp" | "avif"]} pixels on this server and this image has ${image.width * image.height}; choose PNG, a lossy compression, or resize it.`,
    );
  }
  switch (format) {
    case "png":
      return losslessPng(await materialise(image));
    case "webp":
      return { bytes: await webp.encode(await materialise(image), { quality: WEBP_LOSSLESS_EFFORT, lossless: true }), format, quality: null, score: null, encodes: 1 };
    case "avif":
      return { bytes: await avif.encode(await materialise(image), { quality: 100, lossless: true }), format, quality: null, score: null, encodes: 1 };
    case "jpeg":
      if (source.untouchedJpeg) return { bytes: await transcode(source.untouchedJpeg, source.progressive), format, quality: null, score: null, encodes: 1 };
      return encodeAtQuality(image, jpegEncoder(100, source.progressive), 100);
  }
}

/**
 * The encode/optimise step (spec §3.2, §3.15): turns the pipeline's final raster into output bytes.
 * - an explicit `output.quality`: one encode at that quality (PNG: lossless), not scored;
 * - `lossless`: no pixel changes (lossless.ts);
 * - `low` / `medium` / `high` (default `medium`): the fewest bytes scoring at least 90 / 80 / 70
 *   (lossy.ts, png.ts), or the format's lossless mode when its lossy mode cannot get there;
 * - `format: "best"`: the smallest candidate format at that target (best.ts);
 * and never grows: when the source reached the encoder untouched and the output has its format but
 * more bytes, the source bytes are returned instead.
 */
import type { Compression } from "../../request/document";
import type { EncodableFormat } from "../../request/output";
import type { ImageFormat } from "../probe";
import { asStrips, materialise, type Picture, type StripSource } from "../strips";
import { encodeBest } from "./best";
import { encodeLossless, losslessFits, type LosslessSource } from "./lossless";
import { encodeAtQuality, encodeAtTarget } from "./lossy";
import { lossyEncoder, type LossyFormat } from "./lossy-formats";
import type { Encoded } from "./outcome";
import { losslessPng, pngAtTarget } from "./png";
import { TARGET_SCORE } from "./targets";

export type { Encoded } from "./outcome";

export interface OutputRequest {
  format: EncodableFormat | "best";
  /** An explicit encoder quality: no search. */
  quality?: number;
  compression: Compression;
  progressive: boolean;
  /** Whether an AVIF of this size may be made (the server's AVIF pixel limit). */
  avifAllowed: boolean;
  /** The source, when its pixels reach the encoder unchanged (same pixels as decoded, no conversion). */
  untouched?: { bytes: Uint8Array; format: ImageFormat };
}

/** `image` may be a whole raster (rasterStrips) or strips from a decoder, read in passes. */
export async function encodeOutput(picture: Picture, request: OutputRequest): Promise<Encoded> {
  const encoded = await encodeRequested(asStrips(picture), request);
  return neverGrow(encoded, request);
}

async function encodeRequested(image: StripSource, request: OutputRequest): Promise<Encoded> {
  const { format, quality, compression, progressive } = request;
  const source = { progressive, untouchedJpeg: request.untouched?.format === "jpeg" ? request.untouched.bytes : undefined };
  const target = compression === "lossless" ? null : TARGET_SCORE[compression];
  if (format === "best") return encodeBest(image, { target, avifAllowed: request.avifAllowed, source });
  if (quality !== undefined) return format === "png" ? losslessPng(await materialise(image)) : encodeAtQuality(image, lossyEncoder(format, 0, progressive, image.opaque), quality);
  if (target === null) return encodeLossless(image, format, source);
  if (format === "png") return pngAtTarget(await materialise(image), target);
  return lossyAtTarget(image, format, target, source);
}

/**
 * A lossy format at a target (JPEG and AVIF try full-resolution chroma themselves when 4:2:0 caps
 * the score); when even the best quality scores under the target, WebP and AVIF fall back to their
 * lossless modes, which always meet it (WebP's lossy mode is 4:2:0 only, which caps some images
 * below 80 or 90). JPEG has nothing better to offer and returns its best try.
 */
async function lossyAtTarget(image: StripSource, format: LossyFormat, target: number, source: LosslessSource): Promise<Encoded> {
  const lossy = await encodeAtTarget(image, lossyEncoder(format, target, source.progressive, image.opaque), target);
  // Large images whose lossless mode needs the whole image keep their best lossy try.
  if (lossy.score === null || lossy.score >= target || format === "jpeg" || !losslessFits(format, image.width * image.height)) return lossy;
  const fallback = await encodeLossless(image, format, source);
  return { ...fallback, encodes: lossy.encodes + fallback.encodes };
}

/** The source bytes instead of a larger re-encode of the same pixels in the same format. */
function neverGrow(encoded: Encoded, request: OutputRequest): Encoded {
  const source = request.untouched;
  if (!source || source.format !== encoded.format || encoded.bytes.length <= source.bytes.length) return encoded;
  return { bytes: source.bytes, format: encoded.format, quality: null, score: null, encodes: encoded.encodes };
}

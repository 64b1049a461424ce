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

export async function encodeLossless(image: StripSource, format: EncodableFormat, source: LosslessSource): Promise<Encoded> {
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

/**
 * Decoding and encoding by format, over the codec modules in codecs/. The service encodes through
 * optimize/ (which chooses qualities per image); `encode` here is the plain one-shot encoder that
 * tests and measurements use to make inputs.
 */
import { ApiError } from "../errors";
import type { EncodableFormat } from "../request/output";
import * as avif from "./codecs/avif";
import * as jpeg from "./codecs/jpeg";
import { decodeScaled, type JpegScale } from "./codecs/jpeg-turbo";
import * as png from "./codecs/png";
import * as webp from "./codecs/webp";
import type { ImageFormat } from "./probe";
import type { Raster } from "./raster";

export interface EncodeSettings {
  format: EncodableFormat;
  /** Ignored for PNG (lossless). */
  quality: number;
  /** JPEG only. */
  progressive: boolean;
}

/** Decodes an image; JPEG may be decoded smaller, at `jpegScale` (shrink-on-load). */
export async function decode(bytes: Uint8Array, format: ImageFormat, jpegScale: JpegScale = 1): Promise<Raster> {
  switch (format) {
    case "jpeg":
      // libjpeg-turbo: streamed out of WASM band by band, scaled IDCT, CMYK/YCCK support.
      return decodeScaled(bytes, jpegScale);
    case "png":
      return png.decode(bytes);
    case "webp":
      return webp.decode(bytes);
    case "avif":
      return avif.decode(bytes);
    case "gif":
      throw new ApiError(415, "GIF input is not supported on this server yet.");
  }
}

export async function encode(image: Raster, settings: EncodeSettings): Promise<Uint8Array> {
  switch (settings.format) {
    case "jpeg":
      return jpeg.encode(image, { quality: settings.quality, progressive: settings.progressive });
    case "png":
      return png.encode(image);
    case "webp":
      return webp.encode(image, { quality: settings.quality });
    case "avif":
      return avif.encode(image, { quality: settings.quality });
  }
}

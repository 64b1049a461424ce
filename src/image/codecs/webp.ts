/**
 * WebP over jSquash's libwebp builds: the plain decoder and the SIMD encoder (workerd runs WASM
 * SIMD). Alpha is kept; an opaque image is written without an alpha chunk (libwebp checks).
 */
import decoderFactory from "@jsquash/webp/codec/dec/webp_dec.js";
import decoderWasm from "@jsquash/webp/codec/dec/webp_dec.wasm";
import encoderFactory from "@jsquash/webp/codec/enc/webp_enc_simd.js";
import encoderWasm from "@jsquash/webp/codec/enc/webp_enc_simd.wasm";
import type { Raster } from "../raster";
import {
  checkRange,
  decodedRaster,
  emscriptenInstance,
  GuardedCodec,
  guardedDecode,
  guardedEncode,
  invalidImage,
  ownBytes,
  startsWith,
  type EmscriptenFactory,
} from "./instance";

export interface WebPEncodeOptions {
  /** 0-100. With `lossless`, libwebp reads it as compression effort (as sharp/libvips pass it). */
  quality: number;
  lossless?: boolean;
  /**
   * Sharp RGB→YUV conversion (libsharpyuv, sharp's `smartSubsample`) for lossy images with colour:
   * keeps the colour of fine detail through 4:2:0, at about 1.45× the encode time. Default off,
   * as in cwebp and sharp; the perceptual search uses it for chroma-limited images.
   */
  sharpYuv?: boolean;
}

interface DecoderApi {
  decode(data: Uint8Array): unknown;
}

/** libwebp's WebPConfig as squoosh binds it: every field must be present. */
interface WebPConfig {
  quality: number;
  target_size: number;
  target_PSNR: number;
  method: number;
  sns_strength: number;
  filter_strength: number;
  filter_sharpness: number;
  filter_type: number;
  partitions: number;
  segments: number;
  pass: number;
  show_compressed: number;
  preprocessing: number;
  autofilter: number;
  partition_limit: number;
  alpha_compression: number;
  alpha_filtering: number;
  alpha_quality: number;
  lossless: number;
  exact: number;
  image_hint: number;
  emulate_jpeg_size: number;
  thread_level: number;
  low_memory: number;
  near_lossless: number;
  use_delta_palette: number;
  use_sharp_yuv: number;
}

interface EncoderApi {
  encode(data: Uint8ClampedArray, width: number, height: number, config: WebPConfig): unknown;
}

const decoder = new GuardedCodec("webp-decoder", emscriptenInstance(decoderFactory as EmscriptenFactory<DecoderApi>, decoderWasm));
const encoder = new GuardedCodec("webp-encoder", emscriptenInstance(encoderFactory as EmscriptenFactory<EncoderApi>, encoderWasm));

const RIFF = [0x52, 0x49, 0x46, 0x46];
const WEBP = [0x57, 0x45, 0x42, 0x50];

export async function decode(bytes: Uint8Array): Promise<Raster> {
  if (!startsWith(bytes, RIFF) || !startsWith(bytes, WEBP, 8)) throw invalidImage("WebP", "it is not a RIFF WEBP file");
  // The decoder returns null (not an exception) for data libwebp rejects.
  const image = await guardedDecode(decoder, "WebP", (api) => api.decode(bytes));
  if (image === null) throw invalidImage("WebP", "libwebp could not decode it");
  return decodedRaster("WebP", image);
}

export async function encode(image: Raster, options: WebPEncodeOptions): Promise<Uint8Array> {
  checkRange("WebP", "quality", options.quality, 0, 100, false);
  const config = webpConfig(options, options.sharpYuv === true && !options.lossless && hasColour(image.data));
  const out = await guardedEncode(encoder, "WebP", (api) => api.encode(image.data, image.width, image.height, config));
  return ownBytes("WebP", out);
}

/** True when some pixel has R, G and B not all equal. */
function hasColour(data: Uint8ClampedArray): boolean {
  for (let i = 0; i < data.length; i += 4) {
    if (data[i] !== data[i + 1] || data[i] !== data[i + 2]) return true;
  }
  return false;
}

/** libwebp's defaults (cwebp's, and sharp's at effort 4) with the requested quality, and sharp YUV when asked. */
function webpConfig(options: WebPEncodeOptions, sharpYuv: boolean): WebPConfig {
  return {
    quality: options.quality,
    target_size: 0,
    target_PSNR: 0,
    method: 4,
    sns_strength: 50,
    filter_strength: 60,
    filter_sharpness: 0,
    filter_type: 1,
    partitions: 0,
    segments: 4,
    pass: 1,
    show_compressed: 0,
    preprocessing: 0,
    autofilter: 0,
    partition_limit: 0,
    alpha_compression: 1,
    alpha_filtering: 1,
    alpha_quality: 100,
    lossless: options.lossless ? 1 : 0,
    // Lossy: colour under fully transparent pixels may change for better compression (sharp's
    // default). Lossless keeps it too, so every decoded RGBA value is the input's.
    exact: options.lossless ? 1 : 0,
    image_hint: 0,
    emulate_jpeg_size: 0,
    thread_level: 0,
    low_memory: 0,
    near_lossless: 100,
    use_delta_palette: 0,
    // Only for colour: greyscale files grew up to 9 % with it (docs/optimization.md).
    use_sharp_yuv: sharpYuv ? 1 : 0,
  };
}

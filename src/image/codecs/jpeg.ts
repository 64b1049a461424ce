/**
 * JPEG over jSquash's MozJPEG builds (decoder and encoder are separate WASM modules).
 *
 * Decoding does not apply EXIF orientation (the pipeline's orient step does). A JPEG whose entropy
 * data ends early decodes the way libjpeg does it: the missing rows are filled in (grey for a
 * baseline image) and the result is accepted, as browsers do; a file cut inside its headers, or
 * anything libjpeg rejects, is a 415.
 */
import decoderFactory from "@jsquash/jpeg/codec/dec/mozjpeg_dec.js";
import decoderWasm from "@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm";
import encoderFactory from "@jsquash/jpeg/codec/enc/mozjpeg_enc.js";
import encoderWasm from "@jsquash/jpeg/codec/enc/mozjpeg_enc.wasm";
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

export interface JpegEncodeOptions {
  /** 1-100. */
  quality: number;
  progressive: boolean;
  /** Chroma subsampling; default 4:2:0 (what sharp produces, byte for byte). */
  sampling?: "4:2:0" | "4:4:4";
}

interface DecoderApi {
  decode(data: Uint8Array, preserveOrientation: boolean): unknown;
}

/** Every field of squoosh's MozJpegOptions must be present (embind value_object). */
interface MozJpegSettings {
  quality: number;
  baseline: boolean;
  arithmetic: boolean;
  progressive: boolean;
  optimize_coding: boolean;
  smoothing: number;
  color_space: number;
  quant_table: number;
  trellis_multipass: boolean;
  trellis_opt_zero: boolean;
  trellis_opt_table: boolean;
  trellis_loops: number;
  auto_subsample: boolean;
  chroma_subsample: number;
  separate_chroma_quality: boolean;
  chroma_quality: number;
}

interface EncoderApi {
  encode(data: Uint8ClampedArray, width: number, height: number, options: MozJpegSettings): unknown;
}

// The .d.ts files jSquash ships next to the factories reference an undeclared namespace; these
// casts state the part of the API we call.
const decoder = new GuardedCodec("jpeg-decoder", emscriptenInstance(decoderFactory as EmscriptenFactory<DecoderApi>, decoderWasm));
const encoder = new GuardedCodec("jpeg-encoder", emscriptenInstance(encoderFactory as EmscriptenFactory<EncoderApi>, encoderWasm));

const SOI = [0xff, 0xd8, 0xff];

class TruncatedJpeg extends Error {
  constructor() {
    super("the file is truncated (premature end of JPEG data)");
  }
}
const YCBCR = 3;

export async function decode(bytes: Uint8Array): Promise<Raster> {
  // libjpeg exits on anything without a JPEG header; do not spend an instance on it.
  if (!startsWith(bytes, SOI)) throw invalidImage("JPEG", "it does not start with a JPEG marker");
  const image = await guardedDecode(decoder, "JPEG", (api, messages) => {
    const decoded = api.decode(bytes, false);
    // libjpeg fills the rows of a file cut in its image data with grey and only warns; an API that
    // returned such a picture as a success would hide the damage, so a truncated file is refused.
    if (messages.some((m) => /Premature end of JPEG file/i.test(m))) throw new TruncatedJpeg();
    return decoded;
  });
  return decodedRaster("JPEG", image, true);
}

export async function encode(image: Raster, options: JpegEncodeOptions): Promise<Uint8Array> {
  checkRange("JPEG", "quality", options.quality, 1, 100);
  const pixels = image.opaque ? image.data : flattenOnWhite(image.data);
  const settings = mozjpegSettings(options);
  const out = await guardedEncode(encoder, "JPEG", (api) => api.encode(pixels, image.width, image.height, settings));
  return ownBytes("JPEG", out);
}

/** MozJPEG's own defaults (optimised Huffman coding, trellis quantisation) with fixed subsampling. */
function mozjpegSettings(options: JpegEncodeOptions): MozJpegSettings {
  return {
    quality: options.quality,
    baseline: false,
    arithmetic: false,
    progressive: options.progressive,
    optimize_coding: true,
    smoothing: 0,
    color_space: YCBCR,
    quant_table: 3,
    trellis_multipass: false,
    trellis_opt_zero: false,
    trellis_opt_table: false,
    trellis_loops: 1,
    // Left on, MozJPEG picks 4:2:2 at q80-89 (23% larger files than sharp at equal SSIM).
    auto_subsample: false,
    // Luma sampling factor: 2 = 4:2:0, 1 = 4:4:4.
    chroma_subsample: options.sampling === "4:4:4" ? 1 : 2,
    separate_chroma_quality: false,
    chroma_quality: options.quality,
  };
}

/**
 * JPEG has no alpha. The pipeline flattens onto the requested background before encoding; this is
 * the backstop for a raster that still has transparency: composite onto white, in a new buffer.
 */
function flattenOnWhite(data: Uint8ClampedArray): Uint8ClampedArray {
  const out = new Uint8ClampedArray(data.length);
  for (let i = 0; i < data.length; i += 4) {
    const alpha = data[i + 3] ?? 255;
    const white = 255 * (255 - alpha);
    out[i] = ((data[i] ?? 0) * alpha + white) / 255;
    out[i + 1] = ((data[i + 1] ?? 0) * alpha + white) / 255;
    out[i + 2] = ((data[i + 2] ?? 0) * alpha + white) / 255;
    out[i + 3] = 255;
  }
  return out;
}

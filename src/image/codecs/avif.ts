/**
 * AVIF over jSquash's libavif builds (aom encoder, dav1d decoder), single-threaded (Workers have
 * no threads). Decoding yields 8-bit RGBA whatever the stored depth. Quality is jSquash's 0-100
 * scale: q55 here gives about the file size of sharp's q50. The pipeline encodes opaque images
 * with libaom 3.12 and tune=iq instead (av1.ts, chosen in optimize/lossy-formats.ts); this encoder
 * serves images with alpha and lossless AVIF.
 */
import decoderFactory from "@jsquash/avif/codec/dec/avif_dec.js";
import decoderWasm from "@jsquash/avif/codec/dec/avif_dec.wasm";
import encoderFactory from "@jsquash/avif/codec/enc/avif_enc.js";
import encoderWasm from "@jsquash/avif/codec/enc/avif_enc.wasm";
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

export interface AvifEncodeOptions {
  /** 0-100. */
  quality: number;
  /** aom speed 0 (slowest, smallest) - 10; default 6. Speed 8 is ~3x faster, ~60% bigger. */
  speed?: number;
  /** Chroma subsampling; default 4:2:0. The alpha plane is always full resolution. */
  sampling?: "4:2:0" | "4:4:4";
  /** Lossless (identity matrix, 4:4:4, quality 100: what libavif requires); quality is then ignored. */
  lossless?: boolean;
}

interface DecoderApi {
  decode(data: Uint8Array, bitDepth: 8): unknown;
}

/** squoosh's AvifOptions: every field must be present. */
interface AvifSettings {
  quality: number;
  qualityAlpha: number;
  denoiseLevel: number;
  tileColsLog2: number;
  tileRowsLog2: number;
  speed: number;
  subsample: number;
  chromaDeltaQ: boolean;
  sharpness: number;
  tune: number;
  enableSharpYUV: boolean;
  bitDepth: number;
  lossless: boolean;
}

interface EncoderApi {
  encode(data: Uint8ClampedArray, width: number, height: number, options: AvifSettings): unknown;
}

const decoder = new GuardedCodec("avif-decoder", emscriptenInstance(decoderFactory as EmscriptenFactory<DecoderApi>, decoderWasm));
const encoder = new GuardedCodec("avif-encoder", emscriptenInstance(encoderFactory as EmscriptenFactory<EncoderApi>, encoderWasm));

const FTYP = [0x66, 0x74, 0x79, 0x70];
/** jSquash's subsample values (its own enum, not libavif's): 1 = 4:2:0, 3 = 4:4:4. */
const SUBSAMPLE = { "4:2:0": 1, "4:4:4": 3 } as const;

export async function decode(bytes: Uint8Array): Promise<Raster> {
  if (!startsWith(bytes, FTYP, 4)) throw invalidImage("AVIF", "it is not an ISO-BMFF file (no ftyp box)");
  // The decoder returns null (not an exception) for data libavif rejects.
  const image = await guardedDecode(decoder, "AVIF", (api) => api.decode(bytes, 8));
  if (image === null) throw invalidImage("AVIF", "libavif could not decode it");
  return decodedRaster("AVIF", image);
}

export async function encode(image: Raster, options: AvifEncodeOptions): Promise<Uint8Array> {
  checkRange("AVIF", "quality", options.quality, 0, 100);
  checkRange("AVIF", "speed", options.speed ?? 6, 0, 10);
  const settings = avifSettings(options);
  const out = await guardedEncode(encoder, "AVIF", (api) => api.encode(image.data, image.width, image.height, settings));
  return ownBytes("AVIF", out);
}

function avifSettings(options: AvifEncodeOptions): AvifSettings {
  return {
    quality: options.lossless ? 100 : options.quality,
    // -1: alpha at the colour quality.
    qualityAlpha: -1,
    denoiseLevel: 0,
    tileColsLog2: 0,
    tileRowsLog2: 0,
    speed: options.speed ?? 6,
    subsample: SUBSAMPLE[options.lossless ? "4:4:4" : (options.sampling ?? "4:2:0")],
    chromaDeltaQ: false,
    sharpness: 0,
    tune: 0,
    // Off: sharp YUV tunes 4:2:0 chroma to a bilinear upsampler, and AVIF decoders differ there.
    // At SSIMULACRA2 80 it saved 7 % as our decoder (libavif) sees the files, but sharp's
    // (libheif) scored the same files up to 9 points lower (docs/optimization.md).
    enableSharpYUV: false,
    bitDepth: 8,
    lossless: options.lossless ?? false,
  };
}

/**
 * JPEG: decoding over jSquash's MozJPEG decoder, encoding over the project's own MozJPEG build
 * (mozjpeg.ts, wasm/dist/mozjpeg.wasm), which writes the same bytes jSquash's encoder did.
 *
 * Decoding does not apply EXIF orientation (the pipeline's orient step does). A JPEG whose entropy
 * data ends early decodes the way libjpeg does it: the missing rows are filled in (grey for a
 * baseline image) and the result is accepted, as browsers do; a file cut inside its headers, or
 * anything libjpeg rejects, is a 415.
 */
import decoderFactory from "@jsquash/jpeg/codec/dec/mozjpeg_dec.js";
import decoderWasm from "@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm";
import type { Raster } from "../raster";
import { checkRange, decodedRaster, emscriptenInstance, GuardedCodec, guardedDecode, invalidImage, startsWith, type EmscriptenFactory } from "./instance";
import { encodeMozjpeg } from "./mozjpeg";

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

// The .d.ts files jSquash ships next to the factory reference an undeclared namespace; this cast
// states the part of the API we call.
const decoder = new GuardedCodec("jpeg-decoder", emscriptenInstance(decoderFactory as EmscriptenFactory<DecoderApi>, decoderWasm));

const SOI = [0xff, 0xd8, 0xff];

class TruncatedJpeg extends Error {
  constructor() {
    super("the file is truncated (premature end of JPEG data)");
  }
}

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

/**
 * MozJPEG's own defaults (optimised Huffman coding, trellis quantisation, quantisation table 3,
 * searched progressive scans) with fixed subsampling: left to itself, MozJPEG picks 4:2:2 at
 * q80-89 (23% larger files than sharp at equal SSIM). A raster with transparency is flattened
 * onto white.
 */
export async function encode(image: Raster, options: JpegEncodeOptions): Promise<Uint8Array> {
  checkRange("JPEG", "quality", options.quality, 1, 100);
  return encodeMozjpeg(image, { quality: options.quality, progressive: options.progressive, lumaSampling: options.sampling === "4:4:4" ? 1 : 2 });
}

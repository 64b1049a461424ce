/**
 * JPEG encoding over the project's own MozJPEG build (wasm/dist/mozjpeg.wasm, built by
 * wasm/mozjpeg/build.sh from wasm/mozjpeg/wrapper.c): MozJPEG 3.2 with its maximum-compression
 * defaults (quantisation table 3, trellis quantisation, optimised Huffman tables, searched
 * progressive scans, one interleaved DC scan) and fixed chroma subsampling. For the same pixels
 * and settings the file is byte for byte what jSquash's MozJPEG 3.3.1 encoder wrote before
 * (wasm/mozjpeg/README.md), in about half its memory.
 *
 * The module is standalone (no Emscripten glue). It asks for the pixels a band of rows at a time
 * through the imported `mj_read_rows`, so the RGBA image is never copied into WASM memory whole;
 * a raster with transparency is flattened onto white band by band on the way in. libjpeg errors
 * call the imported `mj_fail`, which throws with libjpeg's message; GuardedCodec then drops the
 * instance. An instance starts at 1 MiB and is kept for the next call while it stays within
 * RETAIN_BYTES.
 */
import mozjpegWasm from "../../../wasm/dist/mozjpeg.wasm";
import type { Raster } from "../raster";
import { cString, findMemory, GuardedCodec, guardedEncode, ownBytes, type CodecInstance } from "./instance";

export interface MozjpegSettings {
  /** 1-100 (checked by the caller). */
  quality: number;
  progressive: boolean;
  /** Luma sampling factor: 2 = 4:2:0, 1 = 4:4:4 (chroma is always 1×1). */
  lumaSampling: 1 | 2;
}

/** Encodes the raster; any failure is a 422 "Unable to encode JPEG: <libjpeg's message>". */
export async function encodeMozjpeg(image: Raster, settings: MozjpegSettings): Promise<Uint8Array> {
  const out = await guardedEncode(codec, "JPEG", (api) => encodeWith(api, image, settings));
  return ownBytes("JPEG", out);
}

// ---------------------------------------------------------------------------------------------

interface MozjpegApi {
  readonly memory: WebAssembly.Memory;
  free(pointer: number): void;
  /** Returns the address of `struct result` (data at 0, size at 4). */
  encode(width: number, height: number, quality: number, progressive: number, lumaSampling: number): number;
  /** Where `mj_read_rows` takes its rows from during the current call. */
  source: Raster | undefined;
}

class MozjpegError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MozjpegError";
  }
}

/**
 * The encoder's instance is kept between calls while its memory stays within this (an encode up to
 * about 1 MP: 7.7 MiB for 1200 × 800), so small and medium encodes skip instantiating and touching
 * fresh memory (10-15 ms per job on the bench machine); a larger encode's instance is let go.
 */
const RETAIN_BYTES = 16 * 1024 * 1024;
// Named as jSquash's encoder instance was: tests and the memory bench look it up by this name.
const codec = new GuardedCodec("jpeg-encoder", instantiate, RETAIN_BYTES);

async function instantiate(): Promise<CodecInstance<MozjpegApi>> {
  const env = {
    // Only called from inside an export, so `api` and `memory` exist by then.
    mj_fail(message: number): never {
      throw new MozjpegError(cString(memory, message));
    },
    mj_read_rows(first: number, count: number, destination: number): void {
      const image = api.source ?? fail("mj_read_rows called outside an encode");
      copyRows(image, first, count, new Uint8ClampedArray(memory.buffer, destination, count * image.width * 4));
    },
    emscripten_notify_memory_growth(): void {},
  };
  const instance = new WebAssembly.Instance(mozjpegWasm, { env });
  const memory = findMemory(instance.exports) ?? fail("mozjpeg.wasm exports no memory");
  const fn = (name: string): ((...args: number[]) => number) => {
    const value = instance.exports[name];
    if (typeof value !== "function") throw new Error(`mozjpeg.wasm does not export ${name}()`);
    return value as (...args: number[]) => number;
  };
  // Emscripten's reactor entry point: runs the C runtime's constructors.
  fn("_initialize")();
  const api: MozjpegApi = { memory, free: fn("free"), encode: fn("encode"), source: undefined };
  return { api, memory, messages: [] };
}

function fail(message: string): never {
  throw new MozjpegError(message);
}

function encodeWith(api: MozjpegApi, image: Raster, settings: MozjpegSettings): Uint8Array {
  api.source = image;
  try {
    const result = api.encode(image.width, image.height, settings.quality, settings.progressive ? 1 : 0, settings.lumaSampling);
    const view = new DataView(api.memory.buffer);
    const pointer = view.getUint32(result, true);
    const size = view.getUint32(result + 4, true);
    if (pointer === 0 || size === 0) throw new MozjpegError("the encoder produced no output");
    const out = new Uint8Array(api.memory.buffer, pointer, size).slice();
    api.free(pointer);
    return out;
  } finally {
    api.source = undefined;
  }
}

/**
 * Rows first..first+count-1 of the raster into `target` (a view of WASM memory). JPEG has no
 * alpha: a raster with transparency is composited onto white here (the pipeline flattens onto the
 * requested background before encoding; this is the backstop).
 */
function copyRows(image: Raster, first: number, count: number, target: Uint8ClampedArray): void {
  const start = first * image.width * 4;
  const rows = image.data.subarray(start, start + target.length);
  if (rows.length !== target.length) fail(`rows ${first}..${first + count - 1} are outside the ${image.height}-row image`);
  if (image.opaque) {
    target.set(rows);
    return;
  }
  for (let i = 0; i < rows.length; i += 4) {
    const alpha = rows[i + 3] ?? 255;
    const white = 255 * (255 - alpha);
    target[i] = ((rows[i] ?? 0) * alpha + white) / 255;
    target[i + 1] = ((rows[i + 1] ?? 0) * alpha + white) / 255;
    target[i + 2] = ((rows[i + 2] ?? 0) * alpha + white) / 255;
    target[i + 3] = 255;
  }
}


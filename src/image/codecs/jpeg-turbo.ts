/**
 * JPEG decoding with shrink-on-load and lossless transcoding, over the project's own
 * libjpeg-turbo build (wasm/dist/jpeg.wasm, built by wasm/jpeg/build.sh from wasm/jpeg/wrapper.c).
 *
 * - decodeScaled: libjpeg's scaled inverse DCT decodes straight to 1/8, 2/8, ... or 7/8 of the
 *   stored size (rounded up, see scaledSize), far cheaper than a full decode plus a downscale:
 *   each 8×8 block of coefficients is turned into an m×m block of pixels. Grayscale,
 *   YCbCr, RGB, CMYK and YCCK files all come out as opaque RGBA (CMYK converted naively, Adobe
 *   inverted CMYK when the file has an Adobe marker). EXIF orientation is not applied. A file cut
 *   in its image data is refused (libjpeg's "Premature end of JPEG file"), as jpeg.ts does.
 * - decodeWindow: the same, for only a window of the scaled image (crop-on-load).
 * - transcode: the DCT coefficients re-encoded with optimised Huffman tables, progressive if
 *   asked, no metadata (what `jpegtran -optimize [-progressive] -copy none` writes, byte for byte).
 *   Pixels are unchanged. The file can come out a few bytes larger than an input that was already
 *   optimised: callers keep the smaller one.
 *
 * The module is standalone (no Emscripten glue). libjpeg errors call the imported `jt_fail`,
 * which throws with libjpeg's message; GuardedCodec then drops the instance. Every call runs in a
 * fresh instance anyway (RETAIN_LIMIT_BYTES = 0), which starts at 1 MiB of memory. Rows are
 * decoded in bands of ~256 KiB and copied into the result as they come, so the full-size RGBA
 * never exists in WASM memory: a baseline decode needs little more than the input copy there; a
 * progressive one also holds the file's coefficients (2 bytes per sample at full size).
 */
import jpegWasm from "../../../wasm/dist/jpeg.wasm";
import { ApiError } from "../../errors";
import type { Region } from "../canvas";
import { createRaster, type Raster } from "../raster";
import { CodecFailure, cString, findMemory, GuardedCodec, guardedDecode, type CodecInstance } from "./instance";

/** The scales libjpeg decodes at: m/8 for m = 1…8 (exact in binary floating point). */
export const JPEG_SCALES = [0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1] as const;
export type JpegScale = (typeof JPEG_SCALES)[number];

/** The size libjpeg decodes a width × height JPEG to at `scale`: each side rounded up. */
export function scaledSize(width: number, height: number, scale: JpegScale): { width: number; height: number } {
  return { width: Math.ceil(width * scale), height: Math.ceil(height * scale) };
}

/** Decodes a JPEG at `scale` of its stored size; any failure is a 415 with libjpeg's message. */
export async function decodeScaled(bytes: Uint8Array, scale: JpegScale): Promise<Raster> {
  return (await decodeWindow(bytes, scale)).image;
}

/** Part of a decoded image, and where it sits in the whole (scaled) image. */
export interface DecodedWindow {
  image: Raster;
  left: number;
  top: number;
}

/**
 * Decodes a JPEG at `scale`, only the window of the scaled image given (whole when undefined):
 * columns outside it are never inverse-transformed or converted, rows outside it are only
 * entropy-decoded. libjpeg starts the window at a whole iMCU column (up to 32 pixels further
 * left); `left` and `top` say where the decoded image really starts. Pixels more than two from the
 * window's edges are those of a whole decode (at the edges, chroma upsampling sees the cut as the
 * image's border).
 */
export async function decodeWindow(bytes: Uint8Array, scale: JpegScale, window?: Region): Promise<DecodedWindow> {
  if (!JPEG_SCALES.includes(scale)) throw new Error(`decodeWindow: the scale must be m/8 for m = 1 to 8, got ${String(scale)}`);
  const decoded = await guardedDecode(codec, "JPEG", (api) => decodeRows(api, bytes, scale * 8, window));
  return { image: createRaster(decoded.width, decoded.height, decoded.data, true), left: decoded.left, top: decoded.top };
}

/** Lossless re-encode of a JPEG; anything libjpeg cannot transcode is a 422 with its message. */
export async function transcode(bytes: Uint8Array, progressive: boolean): Promise<Uint8Array> {
  try {
    return await codec.run((api) => transcodeWith(api, bytes, progressive));
  } catch (err) {
    if (err instanceof CodecFailure) throw new ApiError(422, `Unable to transcode the JPEG losslessly: ${err.detail}`);
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------

interface TurboApi {
  readonly memory: WebAssembly.Memory;
  malloc(size: number): number;
  free(pointer: number): void;
  /** Returns the address of `struct result`. A window of width 0 is the whole image. */
  decodeStart(source: number, length: number, eighths: number, x: number, y: number, width: number, height: number): number;
  /** Rows written to the band, 0 when the image is complete. */
  decodeRows(): number;
  /** Returns the address of `struct result`. */
  transcode(source: number, length: number, progressive: number): number;
}

/** Byte offsets of the 32-bit fields of `struct result` in wrapper.c. */
const RESULT = { width: 0, height: 4, band: 8, bandRows: 12, colorSpace: 16, data: 28, size: 32, left: 36, top: 40 } as const;

class LibjpegError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LibjpegError";
  }
}

/**
 * The decoder's instance is kept between calls while its memory stays within this (the input's copy
 * and a band of rows: a 2 MB JPEG decoded at any scale fits), so it is not re-created and its memory
 * not touched afresh for every image (about 8 ms per decode on the bench machine); larger ones go.
 */
const RETAIN_BYTES = 8 * 1024 * 1024;
const codec = new GuardedCodec("jpeg-turbo", instantiate, RETAIN_BYTES);

async function instantiate(): Promise<CodecInstance<TurboApi>> {
  const env = {
    // Only called from inside an export, so `instance` and `memory` exist by then.
    jt_fail(message: number): never {
      throw new LibjpegError(cString(memory, message));
    },
    emscripten_notify_memory_growth(): void {},
  };
  const instance = new WebAssembly.Instance(jpegWasm, { env });
  const memory = findMemory(instance.exports) ?? failInstantiation("jpeg.wasm exports no memory");
  const fn = (name: string): ((...args: number[]) => number) => {
    const value = instance.exports[name];
    if (typeof value !== "function") throw new Error(`jpeg.wasm does not export ${name}()`);
    return value as (...args: number[]) => number;
  };
  // Emscripten's reactor entry point: runs the C runtime's constructors.
  if (typeof instance.exports._initialize === "function") fn("_initialize")();
  const api: TurboApi = {
    memory,
    malloc: fn("malloc"),
    free: fn("free"),
    decodeStart: fn("decode_start"),
    decodeRows: fn("decode_rows"),
    transcode: fn("transcode"),
  };
  return { api, memory, messages: [] };
}

function failInstantiation(message: string): never {
  throw new Error(message);
}

function decodeRows(api: TurboApi, bytes: Uint8Array, eighths: number, window?: Region): { width: number; height: number; left: number; top: number; data: Uint8ClampedArray } {
  const source = copyIn(api, bytes);
  const { x, y, width: w, height: h } = window ?? { x: 0, y: 0, width: 0, height: 0 };
  const result = api.decodeStart(source, bytes.length, eighths, x, y, w, h);
  const width = u32(api.memory, result + RESULT.width);
  const height = u32(api.memory, result + RESULT.height);
  const left = u32(api.memory, result + RESULT.left);
  const top = u32(api.memory, result + RESULT.top);
  const stride = width * 4;
  const data = new Uint8ClampedArray(stride * height);
  let row = 0;
  for (let rows = api.decodeRows(); rows > 0; rows = api.decodeRows()) {
    if (row + rows > height) throw new LibjpegError(`the decoder produced more than ${height} rows`);
    // The band may move (and the buffer be replaced) when memory grows: read both every time.
    const band = u32(api.memory, result + RESULT.band);
    data.set(new Uint8ClampedArray(api.memory.buffer, band, rows * stride), row * stride);
    row += rows;
  }
  if (row !== height) throw new LibjpegError(`the decoder produced ${row} of ${height} rows`);
  api.free(source);
  return { width, height, left, top, data };
}

function transcodeWith(api: TurboApi, bytes: Uint8Array, progressive: boolean): Uint8Array {
  const source = copyIn(api, bytes);
  const result = api.transcode(source, bytes.length, progressive ? 1 : 0);
  const pointer = u32(api.memory, result + RESULT.data);
  const size = u32(api.memory, result + RESULT.size);
  if (pointer === 0 || size === 0) throw new LibjpegError("the encoder produced no output");
  const out = new Uint8Array(api.memory.buffer, pointer, size).slice();
  api.free(pointer);
  api.free(source);
  return out;
}

/** Copies the input into WASM memory (libjpeg reads it from there). */
function copyIn(api: TurboApi, bytes: Uint8Array): number {
  const pointer = api.malloc(Math.max(bytes.length, 1));
  if (pointer === 0) throw new LibjpegError(`out of memory for a ${bytes.length}-byte input`);
  new Uint8Array(api.memory.buffer, pointer, bytes.length).set(bytes);
  return pointer;
}

function u32(memory: WebAssembly.Memory, address: number): number {
  return new DataView(memory.buffer).getUint32(address, true);
}


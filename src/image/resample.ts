/**
 * Lanczos3 resizing over the project's own WebAssembly kernels (wasm/src/resample.c).
 *
 * One call = one fresh instance. The module pulls source rows from the raster as it needs them
 * and hands back output rows as it finishes them, so every source byte is copied into WASM memory
 * once, every result byte out once, and the instance's memory holds only the filter weights and a
 * ring of filtered rows (hundreds of KB, not the image). The box pre-shrink, premultiplication,
 * both Lanczos passes and un-premultiplication all run inside. The instance is garbage after the
 * call, so a trapped instance is never reused; instantiating this 15 KB module and a tiny
 * resize take 0.1-0.4 ms together in workerd.
 *
 * Pre-shrink rule (measured, see wasm/README.md): box-shrink each axis by
 * k = floor(src / dst / 2), so the Lanczos pass still reduces by a factor in [2, 4). This is
 * the rule libvips (and so sharp) uses: at each ratio tested it matched sharp best.
 */
import resampleModule from "../../wasm/dist/resample.wasm";
import { ApiError } from "../errors";
import { extractRegion, type Region } from "./canvas";
import { watchMemory } from "./memory-meter";
import { createRaster, type Raster } from "./raster";
import type { StripSource } from "./strips";

/** Largest width or height accepted, in and out. */
export const MAX_RESIZE_DIMENSION = 65535;

/**
 * Default cap on the output raster and on the resampler's WASM memory (which holds weights and a
 * ring of rows, well under 1 MiB for photos): far above any job within the input limits.
 */
export const DEFAULT_MEMORY_LIMIT = 256 * 1024 * 1024;

/** The C side keeps box sums in 32 bits with blocks of at most 255 × 255 pixels. */
const MAX_BOX = 255;

/** wasm32 addresses: the largest memory limit the module can take. */
const MAX_WASM_MEMORY = 0xffff0000;

export interface ResizeOptions {
  /** Box pre-shrink factors; default: preShrinkFactor() per axis. { x: 1, y: 1 } turns it off. */
  preShrink?: { x: number; y: number };
  /** Cap in bytes on the output raster and on the instance's memory; the job fails with 422 past it. */
  memoryLimit?: number;
  /** Resample only this region of the image (rows are read straight from it: no cropped copy). */
  region?: Region;
}

/** The box pre-shrink factor for one axis: the Lanczos pass keeps a ratio of at least 2. */
export function preShrinkFactor(src: number, dst: number): number {
  return Math.max(1, Math.min(MAX_BOX, Math.floor(src / dst / 2)));
}

/**
 * Resizes to exactly width × height (aspect ratio not kept: callers compute the size) with
 * Lanczos3 in gamma space on premultiplied alpha. Returns the input unchanged when the size is
 * the same. Any failure is a 422 "Unable to resize: ...".
 */
export async function resize(image: Raster, width: number, height: number, options: ResizeOptions = {}): Promise<Raster> {
  checkDimension("width", width);
  checkDimension("height", height);
  checkSource(image);
  const region = options.region ?? { x: 0, y: 0, width: image.width, height: image.height };
  checkRegion(region, image);
  if (width === region.width && height === region.height) return extractRegion(image, region);
  const shrink = options.preShrink ?? { x: preShrinkFactor(region.width, width), y: preShrinkFactor(region.height, height) };
  checkShrink(shrink, region);
  const limit = options.memoryLimit ?? DEFAULT_MEMORY_LIMIT;
  if (width * height * 4 > limit) throw cannotResize(`the ${width}×${height} output needs more than ${mebibytes(limit)} of memory`);
  return runKernel(image, region, width, height, shrink, limit);
}

// ---------------------------------------------------------------------------------------------
// The instance.

interface Kernel {
  setLimit(bytes: number): void;
  resize(sw: number, sh: number, dw: number, dh: number, opaque: number, kx: number, ky: number): void;
  /** The reason code the module reported before trapping, 0 if none. */
  failure(): number;
}

/** Codes the module passes to env.rs_fail before trapping (wasm/src/resample.c). */
const FAIL_OUT_OF_MEMORY = 1;
const FAIL_BAD_ARGUMENT = 2;

/** A fresh instance reading rows of `region` in `source` and writing rows of `target`. */
function instantiate(source: Raster, region: Region, target: Raster): Kernel {
  const state: { failure: number; memory?: WebAssembly.Memory } = { failure: 0 };
  const inRow = region.width * 4;
  const stride = source.width * 4;
  const left = region.x * 4;
  const outRow = target.width * 4;
  const view = (ptr: number, length: number): Uint8ClampedArray => new Uint8ClampedArray(state.memory!.buffer, ptr >>> 0, length);
  const env = {
    rs_fail: (code: number) => void (state.failure = code),
    // Same element type on both sides: plain memory copies.
    rs_get_row: (y: number, ptr: number) => {
      const start = (region.y + y) * stride + left;
      view(ptr, inRow).set(source.data.subarray(start, start + inRow));
    },
    rs_put_row: (y: number, ptr: number) => target.data.set(view(ptr, outRow), y * outRow),
  };
  const { exports } = new WebAssembly.Instance(resampleModule, { env });
  const { rs_set_limit, rs_resize } = exports;
  if (!(exports.memory instanceof WebAssembly.Memory) || typeof rs_set_limit !== "function" || typeof rs_resize !== "function") {
    throw new Error("resample.wasm does not export memory, rs_set_limit and rs_resize");
  }
  state.memory = exports.memory;
  return { setLimit: rs_set_limit as Kernel["setLimit"], resize: rs_resize as Kernel["resize"], failure: () => state.failure };
}

function runKernel(image: Raster, region: Region, width: number, height: number, shrink: { x: number; y: number }, limit: number): Raster {
  const out = createRaster(width, height, undefined, image.opaque);
  let kernel: Kernel | undefined;
  try {
    kernel = instantiate(image, region, out);
    kernel.setLimit(Math.min(limit, MAX_WASM_MEMORY));
    kernel.resize(region.width, region.height, width, height, image.opaque ? 1 : 0, shrink.x, shrink.y);
    return out;
  } catch (err) {
    throw cannotResize(describeFailure(err, kernel?.failure() ?? 0, limit));
  }
}

// ---------------------------------------------------------------------------------------------
// Checks and messages.

function checkDimension(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1 || value > MAX_RESIZE_DIMENSION) {
    throw cannotResize(`${name} must be an integer from 1 to ${MAX_RESIZE_DIMENSION}, got ${value}`);
  }
}

function checkSource(image: Raster): void {
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > MAX_RESIZE_DIMENSION || height > MAX_RESIZE_DIMENSION) {
    throw cannotResize(`the source size ${width}×${height} is out of range`);
  }
  if (data.length !== width * height * 4) throw cannotResize(`the source has ${data.length} bytes for ${width}×${height} pixels`);
}

function checkRegion(region: Region, image: Raster): void {
  const { x, y, width, height } = region;
  const inside = [x, y, width, height].every(Number.isInteger) && x >= 0 && y >= 0 && width >= 1 && height >= 1 && x + width <= image.width && y + height <= image.height;
  if (!inside) throw cannotResize(`the region ${width}×${height} at (${x}, ${y}) is not inside the ${image.width}×${image.height} source`);
}

function checkShrink(shrink: { x: number; y: number }, image: { width: number; height: number }): void {
  const ok = (k: number, size: number): boolean => Number.isInteger(k) && k >= 1 && k <= Math.min(MAX_BOX, size);
  if (!ok(shrink.x, image.width) || !ok(shrink.y, image.height)) {
    throw cannotResize(`pre-shrink factors must be integers from 1 to min(${MAX_BOX}, size), got ${shrink.x}×${shrink.y}`);
  }
}

function describeFailure(err: unknown, code: number, limit: number): string {
  if (code === FAIL_OUT_OF_MEMORY || err instanceof RangeError) return `needs more than ${mebibytes(limit)} of memory`;
  if (code === FAIL_BAD_ARGUMENT) return "invalid arguments";
  const message = err instanceof Error ? err.message : String(err);
  return err instanceof WebAssembly.RuntimeError ? `the resampler crashed (${message})` : message;
}

function mebibytes(bytes: number): string {
  return bytes >= 1048576 ? `${Math.round(bytes / 1048576)} MiB` : `${Math.round(bytes / 1024)} KiB`;
}

function cannotResize(detail: string): ApiError {
  return new ApiError(422, `Unable to resize: ${detail}`);
}

// ---------------------------------------------------------------------------------------------
// Strips: the same resize over an image that arrives as strips (push mode of the module).

/** Source rows copied into the module per call. */
const PUSH_ROWS = 16;
/** Output rows gathered before a strip is handed on. */
const OUTPUT_STRIP_ROWS = 64;

export interface StripResizeOptions {
  preShrink?: { x: number; y: number };
  /** Resample only this region of the source (rows outside it are skipped as they stream by). */
  region?: Region;
}

/**
 * Resizes a strip source to exactly width × height: the same pixels as resize() on the whole
 * raster, holding only the filter's ring and one output strip. Each pass of the result runs one
 * pass of the source through a fresh instance.
 */
export function resizeStrips(source: StripSource, width: number, height: number, options: StripResizeOptions = {}): StripSource {
  checkDimension("width", width);
  checkDimension("height", height);
  const bounds = { width: source.width, height: source.height };
  const region = options.region ?? { x: 0, y: 0, width: source.width, height: source.height };
  checkRegion(region, bounds as Raster);
  const shrink = options.preShrink ?? { x: preShrinkFactor(region.width, width), y: preShrinkFactor(region.height, height) };
  checkShrink(shrink, region);
  return {
    width,
    height,
    opaque: source.opaque,
    strips: () => resizePass(source, region, width, height, shrink),
  };
}

interface PushKernel {
  /** Where source rows go: PUSH_ROWS rows of region.width * 4 bytes. */
  input: Uint8ClampedArray;
  push(rows: number): void;
  failure(): number;
  release(): void;
}

function pushKernel(region: Region, width: number, height: number, opaque: boolean, shrink: { x: number; y: number }, take: (y: number, row: Uint8ClampedArray) => void): PushKernel {
  const state: { failure: number; memory?: WebAssembly.Memory } = { failure: 0 };
  const outRow = width * 4;
  const env = {
    rs_fail: (code: number) => void (state.failure = code),
    rs_get_row: () => void (state.failure = FAIL_BAD_ARGUMENT),
    rs_put_row: (y: number, ptr: number) => take(y, new Uint8ClampedArray(state.memory!.buffer, ptr >>> 0, outRow)),
  };
  const { exports } = new WebAssembly.Instance(resampleModule, { env });
  const { rs_set_limit, rs_begin, rs_push } = exports;
  if (!(exports.memory instanceof WebAssembly.Memory) || typeof rs_set_limit !== "function" || typeof rs_begin !== "function" || typeof rs_push !== "function") {
    throw new Error("resample.wasm does not export memory, rs_set_limit, rs_begin and rs_push");
  }
  const memory = exports.memory;
  state.memory = memory;
  const unwatch = watchMemory(memory);
  (rs_set_limit as (bytes: number) => void)(DEFAULT_MEMORY_LIMIT);
  const capacity = Math.min(PUSH_ROWS, region.height);
  const begin = rs_begin as (sw: number, sh: number, dw: number, dh: number, opaque: number, kx: number, ky: number, capacity: number) => number;
  const ptr = begin(region.width, region.height, width, height, opaque ? 1 : 0, shrink.x, shrink.y, capacity);
  return {
    // The memory does not grow after rs_begin (all buffers are allocated there), so this view stays valid.
    input: new Uint8ClampedArray(memory.buffer, ptr >>> 0, capacity * region.width * 4),
    push: (rows) => void (rs_push as (rows: number) => number)(rows),
    failure: () => state.failure,
    release: unwatch,
  };
}

async function* resizePass(source: StripSource, region: Region, width: number, height: number, shrink: { x: number; y: number }) {
  const rowBytes = width * 4;
  let band = new Uint8ClampedArray(OUTPUT_STRIP_ROWS * rowBytes);
  let bandTop = 0;
  let bandRows = 0;
  let emitted = 0;
  const take = (y: number, row: Uint8ClampedArray): void => {
    if ((bandRows + 1) * rowBytes > band.length) {
      const grown = new Uint8ClampedArray(band.length * 2);
      grown.set(band);
      band = grown;
    }
    band.set(row, bandRows * rowBytes);
    if (bandRows === 0) bandTop = y;
    bandRows++;
  };
  let kernel: PushKernel | undefined;
  try {
    kernel = pushKernel(region, width, height, source.opaque, shrink, take);
    const capacity = kernel.input.length / (region.width * 4);
    let filled = 0;
    const flush = (): void => {
      if (filled > 0) kernel!.push(filled);
      filled = 0;
    };
    const srcStride = source.width * 4;
    const left = region.x * 4;
    const inRow = region.width * 4;
    for await (const strip of source.strips()) {
      const first = Math.max(strip.top, region.y);
      const end = Math.min(strip.top + strip.rows, region.y + region.height);
      for (let y = first; y < end; y++) {
        const start = (y - strip.top) * srcStride + left;
        kernel.input.set(strip.data.subarray(start, start + inRow), filled * inRow);
        if (++filled === capacity) flush();
      }
      if (bandRows >= OUTPUT_STRIP_ROWS) {
        yield { top: bandTop, rows: bandRows, data: band.subarray(0, bandRows * rowBytes) };
        emitted = bandTop + bandRows;
        bandRows = 0;
      }
      if (strip.top + strip.rows >= region.y + region.height) break;
    }
    flush();
    if (bandRows > 0) {
      yield { top: bandTop, rows: bandRows, data: band.subarray(0, bandRows * rowBytes) };
      emitted = bandTop + bandRows;
    }
    if (emitted !== height) throw new Error(`the resampler emitted ${emitted} of ${height} rows`);
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw cannotResize(describeFailure(err, kernel?.failure() ?? 0, DEFAULT_MEMORY_LIMIT));
  } finally {
    kernel?.release();
  }
}

/**
 * SSIMULACRA2 (Jon Sneyers; libjxl tools/ssimulacra2.cc) over the project's own WebAssembly kernel
 * (wasm/src/ssimulacra2.c): how close a distorted image looks to its reference. 100 means
 * identical; about 90 is visually lossless, 80 high quality, 70 medium; scores can go below 0.
 *
 * One call = one fresh instance, dropped afterwards, so a trap never poisons later calls and a
 * large job never leaves a large memory behind. The module pulls rows of both rasters as it needs
 * them (each byte copied into WASM memory once, no full-size copies in JS) and keeps both images
 * as 8-bit RGB plus float planes of one channel at a time: about 42 bytes per pixel at peak
 * (ssimulacra2MemoryBytes gives the exact figure, so callers can score a smaller proxy instead).
 *
 * Rules beyond the metric's definition:
 * - Alpha: when either raster is not opaque, both are composited over grey backgrounds, 0.1 and
 *   0.9 of full scale (sRGB values 26 and 230), and the worse of the two scores is returned. This
 *   is what libjxl's ssimulacra2 tool does, so errors hidden by one background show on the other.
 * - Small images: the metric needs 8 × 8 pixels. Rasters narrower or shorter than 8 are padded to
 *   8 by repeating their last column/row (in the module: no copy), so any size scores.
 * - Scales: of the 6 (1:1 to 1:32), a scale is computed while the previous one was at least 8 × 8,
 *   exactly as the reference does.
 *
 * Versions: "2.1" (the current metric, default) or "2.0" (the first release, as computed by the
 * calc-s2-rust package; our tests use it to check the whole pipeline against that package).
 */
import ssimulacra2Module from "../../../wasm/dist/ssimulacra2.wasm";
import type { Raster } from "../raster";

export type Ssimulacra2Version = "2.1" | "2.0";

export interface Ssimulacra2Options {
  /** Metric version; default "2.1". */
  version?: Ssimulacra2Version;
  /** Cap in bytes on the instance's linear memory; past it the call throws. Default: no cap. */
  memoryLimit?: number;
}

export interface Ssimulacra2Report {
  /** The score: the worse of the per-background scores when alpha is involved. */
  score: number;
  /** One score per pass: [opaque] or [over dark grey, over light grey]. */
  passes: number[];
  /** Largest linear memory of the instances used (bytes). */
  memoryBytes: number;
}

/** Grey backgrounds (sRGB 0-255) for images with alpha: libjxl's 0.1 and 0.9. */
export const ALPHA_BACKGROUNDS = [26, 230] as const;

const WASM_PAGE = 65536;
/** The module's initial memory (stack and statics); its heap starts inside it. */
const STATIC_BYTES = 2 * WASM_PAGE;
const MAX_WASM_MEMORY = 0xffff0000;
const MAX_DIMENSION = 65535;

/** Score of `distorted` against `reference` (same size, any size ≥ 1 × 1). Higher is better. */
export async function ssimulacra2(reference: Raster, distorted: Raster, options: Ssimulacra2Options = {}): Promise<number> {
  return (await ssimulacra2Report(reference, distorted, options)).score;
}

/** The score with its per-background passes and the memory used. */
export async function ssimulacra2Report(reference: Raster, distorted: Raster, options: Ssimulacra2Options = {}): Promise<Ssimulacra2Report> {
  checkPair(reference, distorted);
  const version = options.version === "2.0" ? 20 : 21;
  const limit = Math.min(options.memoryLimit ?? 0, MAX_WASM_MEMORY);
  const backgrounds: number[] = reference.opaque && distorted.opaque ? [-1] : [...ALPHA_BACKGROUNDS];
  const passes: number[] = [];
  let memoryBytes = 0;
  for (const background of backgrounds) {
    const run = runKernel(reference, distorted, background, version, limit);
    passes.push(run.score);
    memoryBytes = Math.max(memoryBytes, run.memoryBytes);
  }
  return { score: Math.min(...passes), passes, memoryBytes };
}

/**
 * Upper bound on the linear memory (bytes) one scoring pass of a width × height pair needs. Images
 * with alpha take two passes in turn (fresh instances), so the peak is the same.
 */
export function ssimulacra2MemoryBytes(width: number, height: number): number {
  checkSize(width, height);
  const { exports } = new WebAssembly.Instance(ssimulacra2Module, { env: unusedImports() });
  const needed = (exports.s2_bytes_needed as (w: number, h: number) => number)(width, height);
  return Math.ceil((STATIC_BYTES + needed) / WASM_PAGE) * WASM_PAGE;
}

// ---------------------------------------------------------------------------------------------
// The instance.

/** Codes the module passes to env.s2_fail before trapping (wasm/src/ssimulacra2.c). */
const FAILURES: Record<number, string> = { 1: "out of memory", 2: "bad argument" };

interface Kernel {
  setLimit(bytes: number): void;
  score(width: number, height: number, background: number, version: number): number;
  memoryBytes(): number;
  failure(): number;
}

function unusedImports(): Record<string, () => void> {
  const unused = (): void => {
    throw new Error("ssimulacra2.wasm called an import outside a job");
  };
  return { s2_fail: unused, s2_get_row: unused };
}

/** A fresh instance reading rows of `images` (0 reference, 1 distorted). */
function instantiate(images: readonly [Raster, Raster]): Kernel {
  const state: { failure: number; memory?: WebAssembly.Memory } = { failure: 0 };
  const rowBytes = images[0].width * 4;
  const env = {
    s2_fail: (code: number) => void (state.failure = code),
    s2_get_row: (which: number, y: number, ptr: number) => {
      const source = images[which === 0 ? 0 : 1].data;
      new Uint8ClampedArray(state.memory!.buffer, ptr >>> 0, rowBytes).set(source.subarray(y * rowBytes, (y + 1) * rowBytes));
    },
  };
  const { exports } = new WebAssembly.Instance(ssimulacra2Module, { env });
  const { memory, s2_set_limit, s2_score, s2_memory_bytes } = exports;
  if (!(memory instanceof WebAssembly.Memory) || typeof s2_set_limit !== "function" || typeof s2_score !== "function" || typeof s2_memory_bytes !== "function") {
    throw new Error("ssimulacra2.wasm does not export memory, s2_set_limit, s2_score and s2_memory_bytes");
  }
  state.memory = memory;
  return {
    setLimit: s2_set_limit as Kernel["setLimit"],
    score: s2_score as Kernel["score"],
    memoryBytes: s2_memory_bytes as Kernel["memoryBytes"],
    failure: () => state.failure,
  };
}

function runKernel(reference: Raster, distorted: Raster, background: number, version: number, limit: number): { score: number; memoryBytes: number } {
  let kernel: Kernel | undefined;
  try {
    kernel = instantiate([reference, distorted]);
    kernel.setLimit(limit);
    const score = kernel.score(reference.width, reference.height, background, version);
    return { score, memoryBytes: kernel.memoryBytes() };
  } catch (err) {
    const reason = FAILURES[kernel?.failure() ?? 0] ?? (err instanceof Error ? err.message : String(err));
    throw new Error(`ssimulacra2 failed: ${reason}`, { cause: err });
  }
}

// ---------------------------------------------------------------------------------------------
// Checks: mismatched or malformed rasters are programming errors, not client errors.

function checkSize(width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > MAX_DIMENSION || height > MAX_DIMENSION) {
    throw new Error(`ssimulacra2: size ${width}×${height} is out of range`);
  }
}

function checkPair(reference: Raster, distorted: Raster): void {
  if (reference.width !== distorted.width || reference.height !== distorted.height) {
    throw new Error(`ssimulacra2: sizes differ (${reference.width}×${reference.height} and ${distorted.width}×${distorted.height})`);
  }
  checkSize(reference.width, reference.height);
  for (const image of [reference, distorted]) {
    if (image.data.length !== image.width * image.height * 4) {
      throw new Error(`ssimulacra2: raster has ${image.data.length} bytes for ${image.width}×${image.height} pixels`);
    }
  }
}

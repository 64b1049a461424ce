/**
 * SSIMULACRA2 (Jon Sneyers; libjxl tools/ssimulacra2.cc) over the project's own WebAssembly kernel
 * (wasm/src/ssimulacra2.c): how close a distorted image looks to its reference. 100 means
 * identical; about 90 is visually lossless, 80 high quality, 70 medium; scores can go below 0.
 *
 * One call = one fresh instance, dropped afterwards, so a trap never poisons later calls and a
 * large job never leaves a large memory behind. The module pulls rows of both rasters as it needs
 * them (each byte copied into WASM memory once, no full-size copies in JS). Version 2.1 runs on the
 * module's streaming path: one pass over the rows of both images, all six scales at once, keeping
 * only a few hundred rows per scale: about 2.3 KB per image column whatever the height (1.8 MiB
 * for 768 × 768, 2.3 MiB for 1000 × 1000; ssimulacra2MemoryBytes gives the exact figure). Version
 * 2.0, and 2.1 with `exact: true`, run the exact path, which keeps whole images and planes: about
 * 42 bytes per pixel; 2.1 also takes it for images under about 50 rows, where that is smaller. The
 * streaming path computes the same blurred values bit for bit, so the two 2.1 scores agree
 * (identical on the test pairs).
 *
 * createScorer(reference) keeps one instance for scoring many candidates against one reference
 * (the optimiser's loop): no instance to create and no fresh memory to touch per score.
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
  /**
   * Version 2.1 on the module's exact path (true: the one version 2.0 always takes) or streaming
   * path (false) instead of the one that needs less memory (default: streaming unless the image
   * has fewer than about 50 rows). The same score either way; the exact path is about 3× slower
   * and needs 42 bytes per pixel instead of about 2.3 KB per column. For tests.
   */
  exact?: boolean;
}

export interface Ssimulacra2ScorerOptions {
  /** Cap in bytes on each instance's linear memory; past it the call throws. Default: no cap. */
  memoryLimit?: number;
}

/** SSIMULACRA 2.1 of any number of candidates against one reference (createScorer). */
export interface Ssimulacra2Scorer {
  /** The score of `distorted` (same size as the reference): what ssimulacra2(reference, distorted) returns. */
  score(distorted: Raster): Promise<number>;
  /** The score with its per-background passes and the memory used. */
  report(distorted: Raster): Promise<Ssimulacra2Report>;
  /** Drops the instances (their memory goes with them); score() then throws. */
  dispose(): void;
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
  const limit = memoryCap(options.memoryLimit);
  return runPasses(reference, distorted, (background) => runKernel(reference, distorted, background, version, options.exact, limit));
}

/**
 * One pass per background (one for an opaque pair, one per grey background otherwise); the score
 * is the lowest pass.
 */
function runPasses(reference: Raster, distorted: Raster, pass: (background: number) => { score: number; memoryBytes: number }): Ssimulacra2Report {
  const backgrounds: number[] = reference.opaque && distorted.opaque ? [-1] : [...ALPHA_BACKGROUNDS];
  const passes: number[] = [];
  let memoryBytes = 0;
  for (const background of backgrounds) {
    const run = pass(background);
    passes.push(run.score);
    memoryBytes = Math.max(memoryBytes, run.memoryBytes);
  }
  return { score: Math.min(...passes), passes, memoryBytes };
}

/**
 * A scorer for many candidates against one reference (SSIMULACRA 2.1, the streaming path): each
 * score equals ssimulacra2(reference, candidate). It holds one instance (two when the reference has
 * alpha: one per grey background) of ssimulacra2MemoryBytes(width, height) bytes each, about
 * 2.3 KB per column: 1.8 MiB for a 768 × 768 reference. Each score streams both images through the
 * same instance and memory (nothing of the candidate is kept), so it skips creating an instance,
 * building its tables and touching fresh memory: on the test machine, later scores took about 80 %
 * of a one-off ssimulacra2() call (Node). For references under about 50 rows, where the streaming
 * path would need more memory than the exact path, each score is a one-off ssimulacra2() call.
 * The reference must not change while the scorer is in use. A failed score drops the instance it
 * used; the next score makes a new one. Call dispose() when done (or drop the scorer).
 */
export function createScorer(reference: Raster, options: Ssimulacra2ScorerOptions = {}): Ssimulacra2Scorer {
  checkRaster(reference);
  const limit = memoryCap(options.memoryLimit);
  let disposed = false;
  const [streaming, exact] = bytesNeeded(reference.width, reference.height, [SCORER, EXACT]);
  if (streaming! > exact!) {
    const report = async (distorted: Raster): Promise<Ssimulacra2Report> => {
      if (disposed) throw new Error("ssimulacra2: the scorer was disposed");
      return ssimulacra2Report(reference, distorted, { memoryLimit: options.memoryLimit });
    };
    return { score: async (distorted) => (await report(distorted)).score, report, dispose: () => void (disposed = true) };
  }
  // An opaque reference is the same over any background: one instance serves every pass.
  const kernels = new Map<number, ScorerKernel>();
  const kernelFor = (key: number): ScorerKernel => {
    let kernel = kernels.get(key);
    if (!kernel) {
      kernel = startScorerKernel(reference, key, limit);
      kernels.set(key, kernel);
    }
    return kernel;
  };
  const report = async (distorted: Raster): Promise<Ssimulacra2Report> => {
    if (disposed) throw new Error("ssimulacra2: the scorer was disposed");
    checkPair(reference, distorted);
    return runPasses(reference, distorted, (background) => {
      const key = reference.opaque ? -1 : background;
      const kernel = kernelFor(key);
      try {
        return { score: kernel.compare(distorted, background), memoryBytes: kernel.kernel.memoryBytes() };
      } catch (err) {
        kernels.delete(key);
        throw kernelError(kernel.kernel, err);
      }
    });
  };
  return {
    score: async (distorted) => (await report(distorted)).score,
    report,
    dispose: () => {
      disposed = true;
      kernels.clear();
    },
  };
}

/**
 * Upper bound on the linear memory (bytes) one scoring pass of a width × height pair needs (with
 * `options` as given to ssimulacra2; a scorer's instance needs the default figure). Images with
 * alpha take two passes in turn (fresh instances), so the peak is the same.
 */
export function ssimulacra2MemoryBytes(width: number, height: number, options: Ssimulacra2Options = {}): number {
  checkSize(width, height);
  const mode = options.version === "2.0" || options.exact === true ? EXACT : options.exact === false ? SCORER : SMALLER;
  return bytesNeeded(width, height, [mode])[0]!;
}

/** Modes of s2_bytes_needed: the smaller path (what s2_score takes for 2.1), the exact path, the streaming path. */
const SMALLER = 0;
const EXACT = 1;
const SCORER = 2;

/** The linear memory (bytes, whole pages) an instance needs for a width × height job on each mode's path. */
function bytesNeeded(width: number, height: number, modes: readonly number[]): number[] {
  const { exports } = new WebAssembly.Instance(ssimulacra2Module, { env: unusedImports() });
  const needed = exports.s2_bytes_needed as (w: number, h: number, mode: number) => number;
  return modes.map((mode) => Math.ceil((STATIC_BYTES + needed(width, height, mode)) / WASM_PAGE) * WASM_PAGE);
}

// ---------------------------------------------------------------------------------------------
// The instance.

/** Codes the module passes to env.s2_fail before trapping (wasm/src/ssimulacra2.c). */
const FAILURES: Record<number, string> = { 1: "out of memory", 2: "bad argument" };

interface Kernel {
  setLimit(bytes: number): void;
  score(width: number, height: number, background: number, version: number, exact: number): number;
  reference(width: number, height: number, background: number): void;
  compare(background: number): number;
  memoryBytes(): number;
  failure(): number;
}

/** The rasters an instance reads rows of: 0 the reference, 1 the distorted image (replaceable). */
interface Sources {
  reference: Raster;
  distorted: Raster;
}

function unusedImports(): Record<string, () => void> {
  const unused = (): void => {
    throw new Error("ssimulacra2.wasm called an import outside a job");
  };
  return { s2_fail: unused, s2_get_row: unused };
}

/** A fresh instance reading rows of `sources` (0 reference, 1 distorted). */
function instantiate(sources: Sources): Kernel {
  const state: { failure: number; memory?: WebAssembly.Memory } = { failure: 0 };
  const rowBytes = sources.reference.width * 4;
  const env = {
    s2_fail: (code: number) => void (state.failure = code),
    s2_get_row: (which: number, y: number, ptr: number) => {
      const source = (which === 0 ? sources.reference : sources.distorted).data;
      new Uint8ClampedArray(state.memory!.buffer, ptr >>> 0, rowBytes).set(source.subarray(y * rowBytes, (y + 1) * rowBytes));
    },
  };
  const { exports } = new WebAssembly.Instance(ssimulacra2Module, { env });
  const { memory, s2_set_limit, s2_score, s2_reference, s2_compare, s2_memory_bytes } = exports;
  if (
    !(memory instanceof WebAssembly.Memory) ||
    typeof s2_set_limit !== "function" ||
    typeof s2_score !== "function" ||
    typeof s2_reference !== "function" ||
    typeof s2_compare !== "function" ||
    typeof s2_memory_bytes !== "function"
  ) {
    throw new Error("ssimulacra2.wasm does not export memory, s2_set_limit, s2_score, s2_reference, s2_compare and s2_memory_bytes");
  }
  state.memory = memory;
  return {
    setLimit: s2_set_limit as Kernel["setLimit"],
    score: s2_score as Kernel["score"],
    reference: s2_reference as Kernel["reference"],
    compare: s2_compare as Kernel["compare"],
    memoryBytes: s2_memory_bytes as Kernel["memoryBytes"],
    failure: () => state.failure,
  };
}

function kernelError(kernel: Kernel | undefined, err: unknown): Error {
  const reason = FAILURES[kernel?.failure() ?? 0] ?? (err instanceof Error ? err.message : String(err));
  return new Error(`ssimulacra2 failed: ${reason}`, { cause: err });
}

function memoryCap(limit: number | undefined): number {
  return Math.min(limit ?? 0, MAX_WASM_MEMORY);
}

/** One pass on a fresh instance; `exact` as in Ssimulacra2Options (false: a scorer's instance, used once). */
function runKernel(reference: Raster, distorted: Raster, background: number, version: number, exact: boolean | undefined, limit: number): { score: number; memoryBytes: number } {
  let kernel: Kernel | undefined;
  try {
    kernel = instantiate({ reference, distorted });
    kernel.setLimit(limit);
    let score: number;
    if (exact === false && version === 21) {
      kernel.reference(reference.width, reference.height, background);
      score = kernel.compare(background);
    } else {
      score = kernel.score(reference.width, reference.height, background, version, exact ? 1 : 0);
    }
    return { score, memoryBytes: kernel.memoryBytes() };
  } catch (err) {
    throw kernelError(kernel, err);
  }
}

/** A scorer's instance: the reference read (over `background`) once, candidates swapped in. */
interface ScorerKernel {
  kernel: Kernel;
  compare(distorted: Raster, background: number): number;
}

function startScorerKernel(reference: Raster, background: number, limit: number): ScorerKernel {
  const sources: Sources = { reference, distorted: reference };
  let kernel: Kernel | undefined;
  try {
    kernel = instantiate(sources);
    kernel.setLimit(limit);
    kernel.reference(reference.width, reference.height, background);
  } catch (err) {
    throw kernelError(kernel, err);
  }
  const started = kernel;
  return {
    kernel: started,
    compare: (distorted, passBackground) => {
      sources.distorted = distorted;
      try {
        return started.compare(passBackground);
      } finally {
        sources.distorted = reference; // do not keep the candidate alive
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Checks: mismatched or malformed rasters are programming errors, not client errors.

function checkSize(width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > MAX_DIMENSION || height > MAX_DIMENSION) {
    throw new Error(`ssimulacra2: size ${width}×${height} is out of range`);
  }
}

function checkRaster(image: Raster): void {
  checkSize(image.width, image.height);
  if (image.data.length !== image.width * image.height * 4) {
    throw new Error(`ssimulacra2: raster has ${image.data.length} bytes for ${image.width}×${image.height} pixels`);
  }
}

function checkPair(reference: Raster, distorted: Raster): void {
  if (reference.width !== distorted.width || reference.height !== distorted.height) {
    throw new Error(`ssimulacra2: sizes differ (${reference.width}×${reference.height} and ${distorted.width}×${distorted.height})`);
  }
  checkRaster(reference);
  checkRaster(distorted);
}

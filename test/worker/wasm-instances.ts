/**
 * Counts the WebAssembly linear memory of every instance created while it is watching, for memory
 * measurements in workerd (test/worker/large-jpeg.test.ts, bench/worker.ts). It wraps the global
 * `WebAssembly.Instance` constructor, which every codec, the resampler and the scorer go through.
 *
 * A WASM memory only grows, so an instance's size when read is the largest it has been. The codecs
 * make a fresh instance per call and drop it after (RETAIN_LIMIT_BYTES = 0), and image jobs run one
 * at a time, so at most one large instance is in use at once: `largest` is the peak once dropped
 * instances are collected, `total` the upper bound if none of them were.
 */

export interface WasmUse {
  /** Instances created while watching. */
  instances: number;
  /** The largest of their memories, bytes. */
  largest: number;
  /** The sum of their memories, bytes. */
  total: number;
}

const Original = WebAssembly.Instance;
let seen: WebAssembly.Memory[] | undefined;

class WatchedInstance extends Original {
  constructor(module: WebAssembly.Module, imports?: WebAssembly.Imports) {
    super(module, imports);
    const memory = Object.values(this.exports).find((value): value is WebAssembly.Memory => value instanceof WebAssembly.Memory);
    if (seen && memory) seen.push(memory);
  }
}

/** Runs `job` and reports the WASM memory of the instances it created (one watch at a time). */
export async function watchWasm<T>(job: () => Promise<T>): Promise<{ result: T; wasm: WasmUse }> {
  if (seen) throw new Error("watchWasm: already watching");
  seen = [];
  WebAssembly.Instance = WatchedInstance;
  const memories = seen;
  try {
    const result = await job();
    return { result, wasm: summarise(memories) };
  } finally {
    WebAssembly.Instance = Original;
    seen = undefined;
  }
}

function summarise(memories: WebAssembly.Memory[]): WasmUse {
  const sizes = memories.map((memory) => memory.buffer.byteLength);
  return { instances: sizes.length, largest: Math.max(0, ...sizes), total: sizes.reduce((sum, size) => sum + size, 0) };
}

/**
 * The peak memory of the work in progress: the WASM memories of live codec instances plus the
 * large JS buffers the pipeline holds (input bytes, rasters, strips, outputs). It is what must stay
 * inside the isolate's 128 MB, and what test/worker/memory.test.ts asserts.
 *
 * WASM memory only grows, so reading a memory's size after a call gives its peak during the call.
 * Code that creates an instance watches its memory until it drops it and calls sampleMemory()
 * after each call into it; code that allocates a large buffer holds its size until it lets go.
 * The Worker's own JS heap (code, Hono, small objects) is not counted.
 */
import { onCodecCall, wasmMemoryBytes } from "./codecs/instance";

const watched = new Set<WebAssembly.Memory>();
let held = 0;
let peak = 0;

/** Counts `memory` until the returned function is called (after the instance is dropped). */
export function watchMemory(memory: WebAssembly.Memory): () => void {
  watched.add(memory);
  sampleMemory();
  return () => {
    sampleMemory();
    watched.delete(memory);
  };
}

/** Counts `bytes` of JS buffers until the returned function is called; idempotent release. */
export function holdBytes(bytes: number): () => void {
  held += bytes;
  sampleMemory();
  let released = false;
  return () => {
    if (released) return;
    released = true;
    held -= bytes;
  };
}

/** Records the current total if it is the highest so far. */
export function sampleMemory(): void {
  let total = held + wasmMemoryBytes();
  for (const memory of watched) total += memory.buffer.byteLength;
  if (total > peak) peak = total;
}

/** The highest total since the last reset. */
export function memoryPeak(): number {
  sampleMemory();
  return peak;
}

/** Starts a new measurement (tests call it before a request). */
export function resetMemoryPeak(): void {
  peak = 0;
  sampleMemory();
}

onCodecCall(sampleMemory);

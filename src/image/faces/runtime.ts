/**
 * TensorFlow.js on its WebAssembly backend inside workerd. workerd refuses to compile WebAssembly
 * from bytes at run time, and the backend's own start-up fetches and compiles its .wasm file, so
 * the backend is registered here again under its own name ("wasm", which its kernels are
 * registered for) with a factory that starts the Emscripten module through its `instantiateWasm`
 * hook, handing it the SIMD module that wrangler compiled at build time. tfjs-core takes workerd
 * for a browser (it has `navigator`), whose platform works here; should it find no platform at
 * all, a minimal one (clock, text coding, no network) is set.
 */
import * as tf from "@tensorflow/tfjs-core";
import { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import wasmFactory from "@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm.js";
import type { BackendWasmModule } from "@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm";
import simdModule from "@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-simd.wasm";

const BACKEND = "wasm";
const PRIORITY = 10;

/** What tfjs-core asks of its platform; network loading is never used (the model is bundled). */
class WorkerdPlatform {
  private readonly encoder = new TextEncoder();

  fetch(): Promise<Response> {
    return Promise.reject(new Error("tfjs network loading is not used on this server"));
  }
  now(): number {
    return performance.now();
  }
  encode(text: string, encoding: string): Uint8Array {
    if (encoding !== "utf-8" && encoding !== "utf8") throw new Error(`unsupported encoding ${encoding}`);
    return this.encoder.encode(text);
  }
  decode(bytes: Uint8Array, encoding: string): string {
    return new TextDecoder(encoding).decode(bytes);
  }
  setTimeoutCustom(functionRef: () => void, delay: number): void {
    setTimeout(functionRef, delay);
  }
  isTypedArray(a: unknown): a is Float32Array | Int32Array | Uint8Array | Uint8ClampedArray {
    return a instanceof Float32Array || a instanceof Int32Array || a instanceof Uint8Array || a instanceof Uint8ClampedArray;
  }
}

type Instantiated = (instance: WebAssembly.Instance, module: WebAssembly.Module) => void;

/** The Emscripten runtime function the bridge is built with (not in the package's types). */
type Cwrap = (name: string, returns: string | null, args: string[]) => unknown;

/**
 * Runs `start` with the global `process` hidden. The Emscripten glue decides it runs in Node when
 * it sees `process.versions.node`, which workerd provides, and Node's branch then needs `__dirname`
 * and the file system: outside vitest (which defines `__dirname`) the module did not start and every
 * image was taken to have no faces. Without `process` it takes neither the Node nor the browser
 * branch and uses the instantiateWasm hook only. The glue reads it only while the factory runs.
 */
function withoutProcess<T>(start: () => T): T {
  const descriptor = Object.getOwnPropertyDescriptor(globalThis, "process");
  if (!descriptor?.configurable) return start();
  delete (globalThis as { process?: unknown }).process;
  try {
    return start();
  } finally {
    Object.defineProperty(globalThis, "process", descriptor);
  }
}

/** The Emscripten module, started from the build-time compiled SIMD binary. */
async function startModule(): Promise<BackendWasmModule> {
  const config = {
    instantiateWasm(imports: WebAssembly.Imports, done: Instantiated): object {
      done(new WebAssembly.Instance(simdModule, imports), simdModule);
      return {};
    },
  };
  const factory = wasmFactory as unknown as (config: object) => Promise<BackendWasmModule>;
  const module = await withoutProcess(() => factory(config));
  const cwrap = (module as unknown as { cwrap: Cwrap }).cwrap;
  // The same bridge the package's own init() builds.
  module.tfjs = {
    init: cwrap("init", null, []),
    initWithThreadsCount: cwrap("init_with_threads_count", null, ["number"]),
    getThreadsCount: cwrap("get_threads_count", "number", []),
    registerTensor: cwrap("register_tensor", null, ["number", "number", "number"]),
    disposeData: cwrap("dispose_data", null, ["number"]),
    dispose: cwrap("dispose", null, []),
  } as BackendWasmModule["tfjs"];
  return module;
}

let ready: Promise<void> | undefined;

async function setUp(): Promise<void> {
  // tfjs-core takes workerd for a browser when `navigator` is there; set a platform only when it found none.
  if (!tf.env().platform) tf.setPlatform("workerd", new WorkerdPlatform() as unknown as Parameters<typeof tf.setPlatform>[1]);
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
  tf.env().set("WASM_HAS_SIMD_SUPPORT", true);
  tf.env().set("PROD", true);
  if (tf.findBackendFactory(BACKEND)) tf.removeBackend(BACKEND);
  tf.registerBackend(BACKEND, async () => new BackendWasm(await startModule()), PRIORITY);
  if (!(await tf.setBackend(BACKEND))) throw new Error("the tfjs wasm backend did not start");
}

/** Starts tfjs once per isolate; a failed start is retried by the next call. */
export function tfReady(): Promise<typeof tf> {
  ready ??= setUp().catch((error: unknown) => {
    ready = undefined;
    throw error;
  });
  return ready.then(() => tf);
}

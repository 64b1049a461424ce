/**
 * AV1 still images with libaom 3.12's tune=iq (wasm/avif: our own build, all-intra), wrapped into
 * AVIF files by avif-container.ts. Opaque images only: 4:4:4, 4:2:0 or monochrome, BT.601 full
 * range (as libavif converts RGB), signalled as sRGB.
 *
 * The module pulls the raster's rows through the imported `av1_read_rows`, so the RGBA image is
 * never copied into WASM memory whole. libaom reports errors with setjmp/longjmp, which emscripten
 * lowers to imports: `invoke_*` call a function of the table and catch the longjmp,
 * `_emscripten_throw_longjmp` throws it. A failure calls the imported `av1_fail` with libaom's
 * message, and GuardedCodec drops the instance.
 */
import av1Wasm from "../../../wasm/dist/av1.wasm";
import type { Raster } from "../raster";
import { avifFile } from "./avif-container";
import { cString, findMemory, GuardedCodec, guardedEncode, ownBytes, type CodecInstance } from "./instance";

export type Av1Layout = "4:4:4" | "4:2:0" | "monochrome";

export interface Av1Settings {
  /** libaom's cq-level, 0 (best) - 63. */
  cqLevel: number;
  /** libaom's cpu-used, 0 (slowest, smallest) - 9. */
  speed: number;
  layout: Av1Layout;
}

const LAYOUT: Record<Av1Layout, number> = { "4:4:4": 0, "4:2:0": 1, monochrome: 2 };

/** Encodes an opaque raster; any failure is a 422 "Unable to encode AVIF: <libaom's message>". */
export async function encodeAv1Avif(image: Raster, settings: Av1Settings): Promise<Uint8Array> {
  const out = await guardedEncode(codec, "AVIF", (api) => encodeWith(api, image, settings));
  return ownBytes("AVIF", out);
}

// ---------------------------------------------------------------------------------------------

interface Av1Api {
  readonly memory: WebAssembly.Memory;
  /** Returns the address of the result (payload at 0, its size at 4, header at 8, its size at 12), or 0. */
  encode(width: number, height: number, cqLevel: number, speed: number, layout: number): number;
  source: Raster | undefined;
}

class Av1Error extends Error {
  constructor(message: string) {
    super(message);
    this.name = "Av1Error";
  }
}

/** The longjmp emscripten's setjmp lowering throws through JavaScript frames. */
const LONGJMP = Symbol("longjmp");

const codec = new GuardedCodec("av1-encoder", instantiate);

type Exported = (...args: (number | bigint)[]) => number;

async function instantiate(): Promise<CodecInstance<Av1Api>> {
  const live: { exports?: WebAssembly.Exports } = {};
  let failure = "";
  let tempRet = 0;
  const fn = (name: string): Exported => {
    const value = live.exports?.[name];
    if (typeof value !== "function") throw new Error(`av1.wasm does not export ${name}()`);
    return value as Exported;
  };
  const invoke = (index: number, ...args: (number | bigint)[]): number => {
    const table = live.exports?.__indirect_function_table as WebAssembly.Table;
    const stack = fn("stackSave")();
    try {
      return (table.get(index) as Exported)(...args);
    } catch (err) {
      fn("stackRestore")(stack);
      if (err !== LONGJMP) throw err;
      fn("setThrew")(1, 0);
      return 0;
    }
  };
  const base: WebAssembly.ModuleImports = {
    av1_fail(message: number): void {
      failure = cString(memory, message);
    },
    av1_read_rows(first: number, count: number, destination: number): void {
      const image = api.source ?? fail("av1_read_rows called outside an encode");
      const bytes = image.width * 4;
      new Uint8Array(memory.buffer, destination, count * bytes).set(image.data.subarray(first * bytes, (first + count) * bytes));
    },
    _emscripten_throw_longjmp(): never {
      throw LONGJMP;
    },
    getTempRet0: () => tempRet,
    setTempRet0: (value: number) => void (tempRet = value),
    emscripten_notify_memory_growth(): void {},
  };
  const env: WebAssembly.ModuleImports = new Proxy(base, { get: (target, name: string) => target[name] ?? (name.startsWith("invoke_") ? invoke : undefined) });
  // libaom never reads files; a message it prints to stderr is dropped.
  const wasi = {
    fd_write(_fd: number, iovs: number, count: number, written: number): number {
      const view = new DataView(memory.buffer);
      let total = 0;
      for (let i = 0; i < count; i++) total += view.getUint32(iovs + 8 * i + 4, true);
      view.setUint32(written, total, true);
      return 0;
    },
    fd_read: () => 0,
    fd_close: () => 0,
    fd_seek: () => 0,
  };
  const instance = new WebAssembly.Instance(av1Wasm, { env, wasi_snapshot_preview1: wasi });
  live.exports = instance.exports;
  const memory = findMemory(instance.exports) ?? fail("av1.wasm exports no memory");
  fn("_initialize")();
  const encode = fn("encode");
  const api: Av1Api = {
    memory,
    encode: (...args) => {
      failure = "";
      const result = encode(...args);
      if (result === 0) throw new Av1Error(failure || "the encoder failed");
      return result;
    },
    source: undefined,
  };
  return { api, memory, messages: [] };
}

function fail(message: string): never {
  throw new Av1Error(message);
}


function encodeWith(api: Av1Api, image: Raster, settings: Av1Settings): Uint8Array {
  api.source = image;
  try {
    const result = api.encode(image.width, image.height, settings.cqLevel, settings.speed, LAYOUT[settings.layout]);
    const view = new DataView(api.memory.buffer);
    const payload = new Uint8Array(api.memory.buffer, view.getUint32(result, true), view.getUint32(result + 4, true));
    const header = new Uint8Array(api.memory.buffer, view.getUint32(result + 8, true), view.getUint32(result + 12, true));
    if (payload.length === 0 || header.length === 0) throw new Av1Error("the encoder produced no output");
    return avifFile(payload, header, image.width, image.height);
  } finally {
    api.source = undefined;
  }
}

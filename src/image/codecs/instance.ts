/**
 * Guarded WebAssembly codec instances: created lazily once per isolate, dropped after any failure.
 *
 * Why: an Emscripten module that called `exit()`/`abort()` (libjpeg's error handler exits on bad
 * input) or a Rust module that panicked or threw through its own frames is left in an undefined
 * state (leaked C stack, half-freed heap). Rather than guess whether it survived, every failure
 * drops the instance and the next call instantiates a fresh one from the same build-time imported
 * `WebAssembly.Module` (instantiating from a Module is allowed in workerd; compiling bytes is not).
 * The old instance, and with it its WASM memory, becomes garbage.
 *
 * We build the Emscripten modules ourselves from the factories jSquash ships
 * (`codec/<dir>/<name>.js`) instead of calling jSquash's `init()`: its entry points keep one
 * module per ES module in a private variable (PNG's wasm-bindgen glue even refuses a second
 * `initSync`), so they cannot hand out a fresh instance. Calling the factory again can.
 *
 * Memory (WASM memories only; measured in workerd by test/worker/codecs.test.ts and a one-off run
 * of the same harness for the other formats, on a generated 2000×1500 photo-like raster = 3 MP,
 * 11.4 MiB of RGBA; each figure is one fresh instance's memory after the call; times are workerd
 * under vitest on the dev machine):
 *   fresh instance                     16.0-16.2 MiB (Emscripten's initial heap); PNG 1.1-1.3 MiB;
 *                                      our own modules (mozjpeg.ts, jpeg-turbo.ts) 1 MiB
 *   JPEG encode q80 4:2:0              22.6 MiB   progressive 0.8 s (mozjpeg.ts; RGBA streamed in);
 *                                      jSquash's encoder before it: 47.9 MiB, baseline 615 ms,
 *                                      progressive 1.0-1.25 s
 *   JPEG decode                        16.1 MiB baseline / 21.0 MiB progressive, 170-190 ms
 *   PNG  encode (8.2 MB of noisy PNG)  61.3 MiB   220 ms;   decode 21.2 MiB, 460 ms
 *   WebP encode q80                    47.9 MiB   770 ms;   decode 16.0 MiB, 190 ms
 *   AVIF encode q55 speed 6            94.8 MiB   4.9 s;    decode 53.6 MiB, 630 ms
 * So encoders cost roughly 10-12 MiB per MP above their 16 MiB base (AVIF ~26 MiB per MP), on top
 * of the JS-heap raster (4 MiB per MP) and the copy of it the encoder takes. WASM memory never
 * shrinks: instances are released after their call (RETAIN_LIMIT_BYTES), and `releaseCodecs()`
 * drops any left.
 */
import { ApiError } from "../../errors";
import { createRaster, scanOpaque, type Raster } from "../raster";

export type FormatName = "JPEG" | "PNG" | "WebP" | "AVIF";

/** A live codec: its JavaScript API, the memory its instance owns, what it wrote to stderr. */
export interface CodecInstance<Api> {
  readonly api: Api;
  readonly memory: WebAssembly.Memory;
  /** Lines the module printed to stderr during the current call (libjpeg's error text, aborts). */
  readonly messages: string[];
}

export type InstanceFactory<Api> = () => Promise<CodecInstance<Api>>;

/** Memory held by one codec, for measuring peaks. */
export interface CodecMemory {
  readonly name: string;
  /** Current size of the live instance's WASM memory, 0 when none is instantiated. */
  readonly bytes: number;
  /** Size of the instance's WASM memory at the end of the latest call (kept or released since). */
  readonly lastCallBytes: number;
  /** How many instances were created since the isolate started (1 + re-instantiations). */
  readonly instantiations: number;
}

const registry: { report(): CodecMemory; release(): void }[] = [];

/** Called after every guarded call while its instance is still live (the memory meter samples). */
let afterCall: () => void = () => {};
export function onCodecCall(hook: () => void): void {
  afterCall = hook;
}

/**
 * An instance whose memory grew past this during a call is released after it. It is 0 by default:
 * every instance is let go after its call; the project's own JPEG decoder and encoder keep theirs
 * up to 8 and 16 MiB (jpeg-turbo.ts, mozjpeg.ts), so an idle isolate holds at most 24 MiB of codec
 * memory. A fresh Emscripten instance starts at 16 MiB, and an isolate
 * that kept one of each of the six decoders and encoders would hold ~100 MiB of its 128 MB while
 * idle (WASM memory never shrinks). A new instance costs 1.5 ms (JPEG), 14 ms (WebP encoder) or
 * 25 ms (AVIF encoder), small next to the work it does.
 */
export const RETAIN_LIMIT_BYTES = 0;

/** One codec, instantiated lazily and replaced by a fresh instance after any failure. */
export class GuardedCodec<Api> {
  readonly name: string;
  readonly #create: InstanceFactory<Api>;
  readonly #retainLimit: number;
  #pending: Promise<CodecInstance<Api>> | undefined;
  #live: CodecInstance<Api> | undefined;
  #instantiations = 0;
  #lastCallBytes = 0;

  constructor(name: string, create: InstanceFactory<Api>, retainLimit = RETAIN_LIMIT_BYTES) {
    this.name = name;
    this.#create = create;
    this.#retainLimit = retainLimit;
    registry.push({ report: () => this.report(), release: () => this.release() });
  }

  /**
   * Runs the synchronous `call` on the live instance. If it throws, the instance is dropped and a
   * CodecFailure carrying the best description of what went wrong is thrown instead. An instance
   * that grew past the retain limit is dropped after the call too.
   */
  async run<T>(call: (api: Api, messages: readonly string[]) => T): Promise<T> {
    const instance = await this.#instance();
    instance.messages.length = 0;
    try {
      return withCodecGlobals(() => call(instance.api, instance.messages));
    } catch (err) {
      this.#drop(instance);
      throw new CodecFailure(describeFailure(err, instance.messages));
    } finally {
      this.#lastCallBytes = instance.memory.buffer.byteLength;
      afterCall();
      if (this.#lastCallBytes > this.#retainLimit) this.#drop(instance);
    }
  }

  report(): CodecMemory {
    const bytes = this.#live ? this.#live.memory.buffer.byteLength : 0;
    return { name: this.name, bytes, lastCallBytes: this.#lastCallBytes, instantiations: this.#instantiations };
  }

  /** Forgets the instance (if any); the next call instantiates a new one. */
  release(): void {
    this.#pending = undefined;
    this.#live = undefined;
  }

  #instance(): Promise<CodecInstance<Api>> {
    this.#pending ??= this.#instantiate();
    return this.#pending;
  }

  async #instantiate(): Promise<CodecInstance<Api>> {
    const generation = ++this.#instantiations;
    // Released (or replaced) while this one was being created: hand it to its callers only.
    const current = (): boolean => generation === this.#instantiations && this.#pending !== undefined;
    try {
      const instance = await this.#create();
      if (current()) this.#live = instance;
      return instance;
    } catch (err) {
      if (current()) this.release();
      throw err;
    }
  }

  #drop(instance: CodecInstance<Api>): void {
    // A concurrent call may already have replaced it; only forget the broken one.
    if (this.#live === instance) this.release();
  }
}

/** A codec call failed; `detail` is safe to show to the client. */
export class CodecFailure extends Error {
  readonly detail: string;
  constructor(detail: string) {
    super(detail);
    this.name = "CodecFailure";
    this.detail = detail;
  }
}

/** Live WASM memory per codec. */
export function codecMemory(): CodecMemory[] {
  return registry.map((codec) => codec.report());
}

/** Total bytes of the WASM memories of all instantiated codecs. */
export function wasmMemoryBytes(): number {
  return codecMemory().reduce((sum, codec) => sum + codec.bytes, 0);
}

/** Drops every codec instance so the GC can reclaim its memory (WASM memory never shrinks). */
export function releaseCodecs(): void {
  for (const codec of registry) codec.release();
}

// ---------------------------------------------------------------------------------------------
// Emscripten modules (jSquash's JPEG, WebP, AVIF builds).

/** The options of an Emscripten MODULARIZE factory that we use. */
export interface EmscriptenOptions {
  noInitialRun: boolean;
  instantiateWasm(imports: WebAssembly.Imports, receive: (instance: WebAssembly.Instance) => void): WebAssembly.Exports;
  print(line: string): void;
  printErr(line: string): void;
}

export type EmscriptenFactory<Api> = (options: EmscriptenOptions) => Promise<Api>;

const MAX_MESSAGES = 8;

/** Instantiates a fresh Emscripten module from its factory and the build-time imported wasm. */
export function emscriptenInstance<Api>(factory: EmscriptenFactory<Api>, wasm: WebAssembly.Module): InstanceFactory<Api> {
  return async () => {
    const messages: string[] = [];
    let memory: WebAssembly.Memory | undefined;
    const options: EmscriptenOptions = {
      noInitialRun: true,
      instantiateWasm(imports, receive) {
        const instance = new WebAssembly.Instance(wasm, imports);
        memory = findMemory(instance.exports);
        receive(instance);
        return instance.exports;
      },
      print: () => {},
      printErr: (line) => {
        if (messages.length < MAX_MESSAGES) messages.push(line);
      },
    };
    // The factory instantiates and runs the module's constructors synchronously; the promise
    // only delivers the result.
    const api = await withCodecGlobals(() => factory(options));
    if (!memory) throw new Error("codec module exports no WebAssembly.Memory");
    return { api, memory, messages };
  };
}

/** The NUL-terminated UTF-8 string at `address` in a module's memory (a C library's message). */
export function cString(memory: WebAssembly.Memory, address: number): string {
  const bytes = new Uint8Array(memory.buffer);
  let end = address;
  while (end < bytes.length && bytes[end] !== 0) end++;
  return new TextDecoder().decode(bytes.subarray(address, end));
}

export function findMemory(exports: WebAssembly.Exports): WebAssembly.Memory | undefined {
  return Object.values(exports).find((value): value is WebAssembly.Memory => value instanceof WebAssembly.Memory);
}

// ---------------------------------------------------------------------------------------------
// ImageData. The Emscripten decoders build their result with `new ImageData(data, w, h)` looked up
// on globalThis, which workerd does not have, and jSquash's glue installs a polyfill on globalThis
// (plus `self.location`) the first time a factory runs. We install our own minimal class only for
// the duration of each synchronous codec call and restore the global object afterwards, so the
// rest of the Worker never sees an `ImageData` (or `location`) it did not have.

/** The shape every decoder returns: `data` is a fresh array (not a view into WASM memory). */
export class CodecImageData {
  readonly data: Uint8ClampedArray;
  readonly width: number;
  readonly height: number;
  constructor(data: Uint8ClampedArray, width: number, height: number) {
    this.data = data;
    this.width = width;
    this.height = height;
  }
}

const SCOPED_GLOBALS = ["ImageData", "location"] as const;

/** Runs a synchronous codec call with `ImageData` defined, leaving globalThis as it was. */
export function withCodecGlobals<T>(call: () => T): T {
  const saved = SCOPED_GLOBALS.map((key) => Reflect.getOwnPropertyDescriptor(globalThis, key));
  if (!saved[0]) Reflect.defineProperty(globalThis, "ImageData", { value: CodecImageData, configurable: true, writable: true });
  try {
    return call();
  } finally {
    SCOPED_GLOBALS.forEach((key, i) => restoreGlobal(key, saved[i]));
  }
}

function restoreGlobal(key: string, descriptor: PropertyDescriptor | undefined): void {
  if (descriptor) Reflect.defineProperty(globalThis, key, descriptor);
  else Reflect.deleteProperty(globalThis, key);
}

// ---------------------------------------------------------------------------------------------
// Results and failures.

const MAX_DETAIL = 200;

function describeFailure(err: unknown, messages: readonly string[]): string {
  const said = messages.at(-1)?.trim();
  const thrown = errorMessage(err);
  const detail = said || (err instanceof WebAssembly.RuntimeError ? `the codec crashed (${thrown})` : thrown);
  return detail.length > MAX_DETAIL ? `${detail.slice(0, MAX_DETAIL)}…` : detail;
}

function errorMessage(err: unknown): string {
  if (typeof err === "object" && err !== null && "message" in err && typeof err.message === "string") return err.message;
  return String(err);
}

/** Runs a decoder call; any failure becomes 415 "The input is not a valid <FORMAT> image: ...". */
export async function guardedDecode<Api, T>(codec: GuardedCodec<Api>, format: FormatName, call: (api: Api, messages: readonly string[]) => T): Promise<T> {
  try {
    return await codec.run(call);
  } catch (err) {
    if (err instanceof CodecFailure) throw invalidImage(format, err.detail);
    throw err;
  }
}

/** Runs an encoder call; any failure becomes 422 "Unable to encode <FORMAT>: ...". */
export async function guardedEncode<Api, T>(codec: GuardedCodec<Api>, format: FormatName, call: (api: Api) => T): Promise<T> {
  try {
    return await codec.run(call);
  } catch (err) {
    if (err instanceof CodecFailure) throw cannotEncode(format, err.detail);
    throw err;
  }
}

export function invalidImage(format: FormatName, detail: string): ApiError {
  return new ApiError(415, `The input is not a valid ${format} image: ${detail}`);
}

export function cannotEncode(format: FormatName, detail: string): ApiError {
  return new ApiError(422, `Unable to encode ${format}: ${detail}`);
}

/**
 * Checks a decoder's result and wraps it as a Raster without copying the pixels. `opaque` is taken
 * as given (JPEG) or found by scanning alpha.
 */
export function decodedRaster(format: FormatName, image: unknown, opaque?: boolean): Raster {
  if (!(image instanceof Object)) throw invalidImage(format, "the decoder returned no image");
  const { data, width, height } = image as Partial<CodecImageData>;
  if (!isDimension(width) || !isDimension(height)) throw invalidImage(format, "the decoded image has no size");
  if (!(data instanceof Uint8ClampedArray) || data.length !== width * height * 4) {
    throw invalidImage(format, `the decoder returned ${describeLength(data)} for ${width}×${height} pixels`);
  }
  const pixels = ownArray(data);
  return createRaster(width, height, pixels, opaque ?? scanOpaque(pixels));
}

function isDimension(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value > 0;
}

function describeLength(data: unknown): string {
  return ArrayBuffer.isView(data) ? `${data.byteLength} bytes` : "no pixel data";
}

/**
 * The decoders and encoders copy their output out of WASM memory into a fresh, tightly sized
 * buffer, so this is a no-op; it copies only if a library ever hands back a view into a larger
 * buffer (which would be WASM memory that the next call overwrites).
 */
function ownArray(data: Uint8ClampedArray): Uint8ClampedArray {
  return data.byteLength === data.buffer.byteLength ? data : data.slice();
}

/** Encoder output as an owned Uint8Array (see ownArray). */
export function ownBytes(format: FormatName, out: unknown): Uint8Array {
  if (!(out instanceof Uint8Array) || out.byteLength === 0) throw cannotEncode(format, "the encoder produced no output");
  return out.byteLength === out.buffer.byteLength ? out : out.slice();
}

/** Checks a quality-like setting; encoders are called with validated plans, so this is a backstop. */
export function checkRange(format: FormatName, name: string, value: number, min: number, max: number, integer = true): void {
  const ok = Number.isFinite(value) && value >= min && value <= max && (!integer || Number.isInteger(value));
  if (!ok) throw cannotEncode(format, `${name} must be ${integer ? "an integer" : "a number"} from ${min} to ${max}, got ${value}`);
}

/** True when `bytes` starts with `prefix` at `offset`. */
export function startsWith(bytes: Uint8Array, prefix: readonly number[], offset = 0): boolean {
  return bytes.length >= offset + prefix.length && prefix.every((byte, i) => bytes[offset + i] === byte);
}

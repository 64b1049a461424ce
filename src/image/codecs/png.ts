/**
 * PNG over jSquash's Rust `png` crate build (wasm-bindgen).
 *
 * jSquash's generated glue keeps its instance in a module-private variable and cannot create a
 * second one, so this file binds the WASM module itself: the six functions the module imports and
 * the exports we call, with a fresh object table per instance. Import names carry a hash suffix
 * that changes between builds; they are matched by prefix, and an unknown import fails loudly.
 *
 * Decoding returns 8-bit RGBA for every colour type (gray, gray+alpha, palette with or without
 * tRNS, RGB, RGBA); 16-bit images are decoded at 16 bits and rounded to 8 here, reading the
 * samples straight out of WASM memory. Encoding writes 8-bit RGBA (colour type 6) — the module
 * takes no colour type, so an opaque image still carries an alpha channel; lossless either way.
 */
import * as pngWasmImport from "@jsquash/png/codec/pkg/squoosh_png_bg.wasm";
import type { Raster } from "../raster";
import { crc32 } from "./crc32";
import { writePng } from "./png-writer";
import {
  CodecImageData,
  decodedRaster,
  findMemory,
  GuardedCodec,
  guardedDecode,
  invalidImage,
  startsWith,
  type CodecInstance,
} from "./instance";

/** Nothing to choose: lossless 8-bit RGBA. */
export type PngEncodeOptions = Record<never, never>;

interface PngExports {
  memory: WebAssembly.Memory;
  decode(ptr: number, len: number): number;
  decode_rgba16(ptr: number, len: number): number;
  imagedatargba16_width(handle: number): number;
  imagedatargba16_height(handle: number): number;
  imagedatargba16_data(handle: number): number;
  __wbg_imagedatargba16_free(handle: number): void;
  __wbindgen_malloc(len: number, align: number): number;
  __wbindgen_free(ptr: number, len: number, align: number): void;
}

interface PngApi {
  decode(bytes: Uint8Array): unknown;
  decode16(bytes: Uint8Array): CodecImageData;
}

// The package ships a .d.ts for this file describing the ESM-integration form (its exports); under
// wrangler's CompiledWasm rule the default export is the compiled module.
const pngWasm = (pngWasmImport as unknown as { default: WebAssembly.Module }).default;

const codec = new GuardedCodec("png", instantiatePng);

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export async function decode(bytes: Uint8Array): Promise<Raster> {
  const bitDepth = checkChunks(bytes);
  const image = await guardedDecode(codec, "PNG", (api) => (bitDepth === 16 ? api.decode16(bytes) : api.decode(bytes)));
  return decodedRaster("PNG", image);
}

/**
 * Lossless PNG: RGB for opaque images, RGBA otherwise, adaptively filtered (png-writer.ts). It
 * replaced the WASM encoder, which always wrote RGBA and no filters: 15–20% larger files.
 */
export async function encode(image: Raster, _options: PngEncodeOptions = {}): Promise<Uint8Array> {
  return writePng(image);
}

// ---------------------------------------------------------------------------------------------
// Chunk structure. The `png` crate build does not check CRCs (a PNG with a wrong IHDR CRC decodes),
// so a flipped bit could decode to silently wrong pixels. Like libpng, we reject a CRC mismatch in
// a critical chunk (ancillary chunks are the decoder's business); walking the chunks also turns
// truncation into a clear message without spending a WASM instance. Cost: one table-driven CRC-32
// pass over the file, ~2.8 ms per MB (Node 20 on the dev machine).

const IHDR_LENGTH = 13;
const MAX_CHUNK_LENGTH = 0x7fffffff;

/** Validates the chunk layout up to IEND and returns the IHDR bit depth. */
function checkChunks(bytes: Uint8Array): number {
  if (!startsWith(bytes, SIGNATURE)) throw invalidImage("PNG", "it does not start with the PNG signature");
  if (bytes.length < SIGNATURE.length + 12 + IHDR_LENGTH) throw invalidImage("PNG", "the file is truncated (no IHDR)");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = SIGNATURE.length;
  while (offset < bytes.length) {
    const chunk = readChunk(bytes, view, offset);
    if (offset === SIGNATURE.length && (chunk.type !== "IHDR" || chunk.length !== IHDR_LENGTH)) {
      throw invalidImage("PNG", "the first chunk is not a valid IHDR");
    }
    if (chunk.type === "IEND") break;
    offset = chunk.end;
  }
  return bytes[SIGNATURE.length + 8 + 8] ?? 0; // IHDR data: width 4, height 4, bit depth 1
}

interface Chunk {
  type: string;
  length: number;
  end: number;
}

function readChunk(bytes: Uint8Array, view: DataView, offset: number): Chunk {
  if (offset + 12 > bytes.length) throw invalidImage("PNG", "the file is truncated (incomplete chunk header)");
  const length = view.getUint32(offset);
  const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
  if (!/^[A-Za-z]{4}$/.test(type)) throw invalidImage("PNG", `broken chunk at byte ${offset}`);
  const dataEnd = offset + 8 + length;
  if (length > MAX_CHUNK_LENGTH || dataEnd + 4 > bytes.length) {
    throw invalidImage("PNG", `the file is truncated (chunk ${type} runs past the end)`);
  }
  const critical = type.charCodeAt(0) < 0x61;
  if (critical && crc32(bytes, offset + 4, dataEnd) !== view.getUint32(dataEnd)) {
    throw invalidImage("PNG", `CRC mismatch in the ${type} chunk`);
  }
  return { type, length, end: dataEnd + 4 };
}


// ---------------------------------------------------------------------------------------------
// The wasm-bindgen binding.

/**
 * wasm-bindgen passes JS objects to Rust as indices into a table. The layout is fixed by the
 * compiled Rust side: 128 free slots' worth of offset, then undefined, null, true, false.
 */
class ObjectTable {
  static readonly RESERVED = 132;
  readonly #slots: unknown[] = [...new Array<unknown>(128).fill(undefined), undefined, null, true, false];
  readonly #free: number[] = [];

  add(value: unknown): number {
    const index = this.#free.pop() ?? this.#slots.length;
    this.#slots[index] = value;
    return index;
  }

  get(index: number): unknown {
    return this.#slots[index];
  }

  take(index: number): unknown {
    const value = this.#slots[index];
    if (index >= ObjectTable.RESERVED) {
      this.#slots[index] = undefined;
      this.#free.push(index);
    }
    return value;
  }
}

type ImportFunction = (...args: number[]) => unknown;

async function instantiatePng(): Promise<CodecInstance<PngApi>> {
  const table = new ObjectTable();
  // The imports need the exports, which exist only once the instance does.
  const bound: { exports?: PngExports } = {};
  const live = (): PngExports => bound.exports ?? expectInstantiated();
  const instance = new WebAssembly.Instance(pngWasm, { wbg: pngImports(table, live) });
  const exports = instance.exports as unknown as PngExports; // narrow cast at the library boundary
  bound.exports = exports;
  const memory = findMemory(instance.exports);
  if (!memory) throw new Error("PNG module exports no memory");
  return { api: pngApi(exports, table), memory, messages: [] };
}

function expectInstantiated(): never {
  throw new Error("PNG module called back before instantiation finished");
}

/** The functions the module imports, keyed by their full (hashed) names. */
function pngImports(table: ObjectTable, live: () => PngExports): Record<string, ImportFunction> {
  const known: Record<string, ImportFunction> = {
    __wbindgen_memory: () => table.add(live().memory),
    __wbg_buffer_: (handle) => table.add((table.get(handle) as WebAssembly.Memory).buffer),
    __wbg_newwithbyteoffsetandlength_: (handle, offset, length) =>
      table.add(new Uint16Array(table.get(handle) as ArrayBuffer, offset >>> 0, length >>> 0)),
    __wbindgen_object_drop_ref: (handle) => void table.take(handle),
    __wbg_newwithownedu8clampedarrayandsh_: (ptr, len, width, height) =>
      table.add(new CodecImageData(takeOwnedBytes(live(), ptr, len), width >>> 0, height >>> 0)),
    __wbindgen_throw: (ptr, len) => {
      throw new Error(rustMessage(new TextDecoder().decode(new Uint8Array(live().memory.buffer, ptr >>> 0, len >>> 0))));
    },
  };
  const imports: Record<string, ImportFunction> = {};
  for (const { module, name } of WebAssembly.Module.imports(pngWasm)) {
    const key = Object.keys(known).find((prefix) => name === prefix || (prefix.endsWith("_") && name.startsWith(prefix)));
    const fn = key === undefined ? undefined : known[key];
    if (module !== "wbg" || !fn) throw new Error(`PNG module needs an unknown import ${module}.${name}`);
    imports[name] = fn;
  }
  return imports;
}

/** The crate reports decode errors through `unwrap_throw`, which drops the underlying error. */
function rustMessage(message: string): string {
  return message === "`unwrap_throw` failed" ? "corrupt or unsupported image data" : message;
}

/** Copies a Rust-owned Vec<u8> out of WASM memory and frees it (Rust handed us ownership). */
function takeOwnedBytes(wasm: PngExports, ptr: number, len: number): Uint8ClampedArray {
  const copy = new Uint8ClampedArray(wasm.memory.buffer, ptr >>> 0, len >>> 0).slice();
  wasm.__wbindgen_free(ptr, len, 1);
  return copy;
}

/** Copies `bytes` into WASM memory allocated by Rust's allocator (Rust takes ownership). */
function passBytes(wasm: PngExports, bytes: Uint8Array | Uint8ClampedArray): number {
  const ptr = wasm.__wbindgen_malloc(bytes.length, 1) >>> 0;
  new Uint8Array(wasm.memory.buffer, ptr, bytes.length).set(bytes);
  return ptr;
}

function pngApi(wasm: PngExports, table: ObjectTable): PngApi {
  return {
    decode: (bytes) => table.take(wasm.decode(passBytes(wasm, bytes), bytes.length)),
    decode16: (bytes) => decode16(wasm, table, bytes),
  };
}

function decode16(wasm: PngExports, table: ObjectTable, bytes: Uint8Array): CodecImageData {
  const handle = wasm.decode_rgba16(passBytes(wasm, bytes), bytes.length);
  try {
    const width = wasm.imagedatargba16_width(handle);
    const height = wasm.imagedatargba16_height(handle);
    // A Uint16Array view into WASM memory: read it before anything else runs in the module.
    const samples = table.take(wasm.imagedatargba16_data(handle)) as Uint16Array;
    return new CodecImageData(to8Bit(samples), width, height);
  } finally {
    wasm.__wbg_imagedatargba16_free(handle);
  }
}

/** 16-bit → 8-bit, rounded (v / 257 = v * 255 / 65535; Uint8ClampedArray rounds on store). */
function to8Bit(samples: Uint16Array): Uint8ClampedArray {
  const out = new Uint8ClampedArray(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = (samples[i] ?? 0) / 257;
  return out;
}


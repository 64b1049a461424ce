/**
 * Bounds-checked reads over untrusted bytes, shared by the format probes.
 *
 * Every read checks its range first and throws a `ProbeFailure` when the bytes run out, so a
 * parser never sees `undefined` and never reads past the end of a view. Parsers work on
 * `subarray` views (no copies), which makes "past the end of this box/segment" the same failure
 * as "past the end of the input". `probe.ts` turns a `ProbeFailure` into the client's 415.
 */
import { ApiError } from "../../errors";

/** A recognised format whose header is broken; `message` is the reason shown to the client. */
export class ProbeFailure extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "ProbeFailure";
  }
}

export function fail(reason: string): never {
  throw new ProbeFailure(reason);
}

/** The 415 for bytes that are not one of our formats; `detail` says what they look like. */
export function unsupported(detail: string): ApiError {
  return new ApiError(415, `The input is not a supported image: ${detail}`);
}

/** Throws unless `count` bytes starting at `offset` exist. */
export function need(b: Uint8Array, offset: number, count: number): void {
  if (offset < 0 || count < 0 || offset + count > b.length) {
    fail(`the data is truncated (needs ${offset + count} bytes where ${b.length} remain)`);
  }
}

export function u8(b: Uint8Array, o: number): number {
  need(b, o, 1);
  return b[o]!;
}

export function u16be(b: Uint8Array, o: number): number {
  need(b, o, 2);
  return (b[o]! << 8) | b[o + 1]!;
}

export function u16le(b: Uint8Array, o: number): number {
  need(b, o, 2);
  return b[o]! | (b[o + 1]! << 8);
}

export function u24le(b: Uint8Array, o: number): number {
  need(b, o, 3);
  return b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16);
}

export function u32be(b: Uint8Array, o: number): number {
  need(b, o, 4);
  return b[o]! * 0x1000000 + ((b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!);
}

export function u32le(b: Uint8Array, o: number): number {
  need(b, o, 4);
  return b[o + 3]! * 0x1000000 + ((b[o + 2]! << 16) | (b[o + 1]! << 8) | b[o]!);
}

/** The four-character code at `o` (chunk and box types). */
export function fourcc(b: Uint8Array, o: number): string {
  need(b, o, 4);
  return String.fromCharCode(b[o]!, b[o + 1]!, b[o + 2]!, b[o + 3]!);
}

/** `count` bytes as Latin-1 text (signatures, short strings). */
export function ascii(b: Uint8Array, o: number, count: number): string {
  need(b, o, count);
  let text = "";
  for (let i = 0; i < count; i++) text += String.fromCharCode(b[o + i]!);
  return text;
}

/** True when `b` holds `expected` at `o` (false, not a throw, when it is too short). */
export function startsWith(b: Uint8Array, expected: readonly number[] | string, o = 0): boolean {
  if (o + expected.length > b.length) return false;
  for (let i = 0; i < expected.length; i++) {
    const want = typeof expected === "string" ? expected.charCodeAt(i) : expected[i];
    if (b[o + i] !== want) return false;
  }
  return true;
}

/** The largest width or height we accept from a 32-bit field: positive and 31-bit. */
export const MAX_DIMENSION = 0x7fffffff;

export function checkDimensions(width: number, height: number): void {
  if (width < 1 || height < 1) fail(`the header gives a size of ${width}x${height}`);
  if (width > MAX_DIMENSION || height > MAX_DIMENSION) fail(`the header gives an impossible size of ${width}x${height}`);
}

/**
 * PNG header probe: the signature, IHDR, and a walk over the chunk headers (skipping their data
 * by length) that notes tRNS, acTL and eXIf. CRCs are not checked; the decoder does that.
 *
 * Before the first IDAT a chunk that runs past the end is an error (the header is truncated).
 * After it, the walk only looks for an eXIf chunk (which writers may place after the image data)
 * and stops quietly at the first problem.
 */
import type { ProbeResult } from "../probe";
import { checkDimensions, fail, fourcc, startsWith, u32be, u8 } from "./bytes";
import { exifOrientation } from "./exif";

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const MAX_CHUNK = 0x7fffffff;
/** Walks at most this many chunks (real files: tens before IDAT, at most ~10^4 IDATs). */
const MAX_CHUNKS = 100_000;

/** Allowed bit depths per colour type, and how many samples a pixel has. */
const COLOR_TYPES: Readonly<Record<number, { depths: readonly number[]; channels: number }>> = {
  0: { depths: [1, 2, 4, 8, 16], channels: 1 }, // gray
  2: { depths: [8, 16], channels: 3 }, // RGB
  3: { depths: [1, 2, 4, 8], channels: 1 }, // palette index
  4: { depths: [8, 16], channels: 2 }, // gray + alpha
  6: { depths: [8, 16], channels: 4 }, // RGBA
};

interface Ihdr {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlace: number;
}

interface Chunks {
  transparency: boolean;
  frames: number;
  orientation: number;
}

export function probePng(b: Uint8Array): ProbeResult {
  if (!startsWith(b, SIGNATURE)) {
    if (b.length < SIGNATURE.length) fail("the data is truncated inside the signature");
    fail("the signature is damaged");
  }
  const ihdr = readIhdr(b);
  const chunks = walkChunks(b, 8 + 12 + 13);
  const type = COLOR_TYPES[ihdr.colorType]!;
  return {
    format: "png",
    width: ihdr.width,
    height: ihdr.height,
    orientation: chunks.orientation,
    interlaced: ihdr.interlace === 1,
    sampling: null,
    quality: null,
    // What is stored per pixel: palette images report their index size (8 for a 256-colour palette).
    depth: type.channels * ihdr.bitDepth,
    colorspace: ihdr.colorType === 0 || ihdr.colorType === 4 ? "Gray" : "sRGB",
    hasAlpha: ihdr.colorType === 4 || ihdr.colorType === 6 || chunks.transparency,
    // Palette entries are 8-bit colours whatever the index size.
    bitsPerChannel: ihdr.colorType === 3 ? 8 : ihdr.bitDepth,
    animated: chunks.frames > 1,
  };
}

function readIhdr(b: Uint8Array): Ihdr {
  const length = u32be(b, 8);
  const type = fourcc(b, 12);
  if (type !== "IHDR") fail(`the first chunk is "${printable(type)}", not IHDR`);
  if (length !== 13) fail(`the IHDR chunk is ${length} bytes long instead of 13`);
  const width = u32be(b, 16);
  const height = u32be(b, 20);
  checkDimensions(width, height);
  const bitDepth = u8(b, 24);
  const colorType = u8(b, 25);
  const allowed = COLOR_TYPES[colorType];
  if (!allowed) fail(`the colour type ${colorType} does not exist`);
  if (!allowed.depths.includes(bitDepth)) fail(`bit depth ${bitDepth} is not allowed with colour type ${colorType}`);
  if (u8(b, 26) !== 0 || u8(b, 27) !== 0) fail("unknown compression or filter method");
  const interlace = u8(b, 28);
  if (interlace > 1) fail(`unknown interlace method ${interlace}`);
  return { width, height, bitDepth, colorType, interlace };
}

function walkChunks(b: Uint8Array, start: number): Chunks {
  const found: Chunks = { transparency: false, frames: 0, orientation: 1 };
  let seenIdat = false;
  for (let pos = start, count = 0; ; count++) {
    if (count === MAX_CHUNKS) return seenIdat ? found : fail("it has too many chunks before the image data");
    const chunk = readChunkHeader(b, pos, seenIdat);
    if (!chunk) return found;
    if (chunk.type === "IEND") {
      if (!seenIdat) fail("the IEND chunk comes before any image data (IDAT)");
      return found;
    }
    if (chunk.type === "IDAT") seenIdat = true;
    noteChunk(found, chunk.type, b.subarray(chunk.data, chunk.end - 4), seenIdat);
    pos = chunk.end;
  }
}

/** The chunk at `pos`, or null once past IDAT when it is missing, truncated or malformed. */
function readChunkHeader(b: Uint8Array, pos: number, seenIdat: boolean): { type: string; data: number; end: number } | null {
  const problem = chunkProblem(b, pos);
  if (problem === null) {
    const length = u32be(b, pos);
    return { type: fourcc(b, pos + 4), data: pos + 8, end: pos + 12 + length };
  }
  if (seenIdat) return null;
  return fail(problem);
}

function chunkProblem(b: Uint8Array, pos: number): string | null {
  if (pos + 8 > b.length) return "the data ends before the image data (IDAT)";
  const length = u32be(b, pos);
  if (length > MAX_CHUNK) return `a chunk claims ${length} bytes`;
  if (!isChunkType(b.subarray(pos + 4, pos + 8))) return `a chunk has the invalid type "${printable(fourcc(b, pos + 4))}"`;
  // The image data itself may be cut short: that is the decoder's problem, not the header's.
  if (startsWith(b, "IDAT", pos + 4)) return null;
  if (pos + 12 + length > b.length) return `the data is truncated inside the "${fourcc(b, pos + 4)}" chunk`;
  return null;
}

function noteChunk(found: Chunks, type: string, data: Uint8Array, afterIdat: boolean): void {
  if (type === "eXIf" && found.orientation === 1) found.orientation = exifOrientation(data);
  if (afterIdat) return;
  if (type === "tRNS") found.transparency = true;
  if (type === "acTL" && data.length >= 4) found.frames = u32be(data, 0);
}

function isChunkType(t: Uint8Array): boolean {
  for (const c of t) if (!((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a))) return false;
  return true;
}

function printable(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, "?");
}

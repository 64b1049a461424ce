/**
 * WebP header probe: the RIFF/WEBP container and its first chunk, which is one of
 *   "VP8 " simple lossy: the VP8 key frame header carries 14-bit width and height;
 *   "VP8L" simple lossless: signature 0x2f, then 14-bit width-1 and height-1, the alpha hint and
 *          a 3-bit version that must be 0;
 *   "VP8X" extended: flags (ICC, alpha, EXIF, XMP, animation) and 24-bit canvas width-1/height-1.
 * For VP8X files with the EXIF flag the following chunks are walked (by their sizes) to find the
 * EXIF chunk; that walk stops quietly at the end of the data.
 */
import type { ProbeResult } from "../probe";
import { fail, fourcc, need, startsWith, u16le, u24le, u32le, u8 } from "./bytes";
import { exifOrientation } from "./exif";

const FLAG_ALPHA = 0x10;
const FLAG_EXIF = 0x08;
const FLAG_ANIMATION = 0x02;
const VP8_START_CODE = [0x9d, 0x01, 0x2a];
const VP8L_SIGNATURE = 0x2f;
/** Chunks walked looking for EXIF (an animation has one chunk per frame before it). */
const MAX_CHUNKS = 100_000;

interface Chunk {
  readonly type: string;
  /** Offset of the chunk data. */
  readonly data: number;
  readonly size: number;
}

interface Features {
  width: number;
  height: number;
  hasAlpha: boolean;
  animated: boolean;
  orientation: number;
}

export function probeWebp(b: Uint8Array): ProbeResult {
  if (!startsWith(b, "RIFF")) fail("it does not start with a RIFF header");
  if (fourcc(b, 8) !== "WEBP") fail("the RIFF form type is not WEBP");
  // The RIFF size may overstate a truncated file; never look past the bytes we have.
  const end = Math.min(b.length, 8 + u32le(b, 4));
  const body = b.subarray(0, end);
  const first = chunkAt(body, 12);
  const features = readFirstChunk(body, first);
  if (features.width < 1 || features.height < 1) fail(`the header gives a size of ${features.width}x${features.height}`);
  return {
    format: "webp",
    width: features.width,
    height: features.height,
    orientation: features.orientation,
    interlaced: false,
    sampling: null,
    quality: null,
    depth: features.hasAlpha ? 32 : 24,
    colorspace: "sRGB",
    hasAlpha: features.hasAlpha,
    bitsPerChannel: 8,
    animated: features.animated,
  };
}

function chunkAt(b: Uint8Array, pos: number): Chunk {
  return { type: fourcc(b, pos), data: pos + 8, size: u32le(b, pos + 4) };
}

function readFirstChunk(b: Uint8Array, chunk: Chunk): Features {
  const data = b.subarray(chunk.data, chunk.data + chunk.size);
  switch (chunk.type) {
    case "VP8 ":
      return readLossy(data);
    case "VP8L":
      return readLossless(data);
    case "VP8X":
      return readExtended(b, chunk, data);
    default:
      return fail(`the first chunk is "${chunk.type.replace(/[^\x20-\x7e]/g, "?")}", not VP8, VP8L or VP8X`);
  }
}

function readLossy(data: Uint8Array): Features {
  need(data, 0, 10);
  if ((data[0]! & 0x01) !== 0) fail("the VP8 bitstream does not start with a key frame");
  if (!startsWith(data, VP8_START_CODE, 3)) fail("the VP8 start code is missing");
  return { width: u16le(data, 6) & 0x3fff, height: u16le(data, 8) & 0x3fff, hasAlpha: false, animated: false, orientation: 1 };
}

function readLossless(data: Uint8Array): Features {
  if (u8(data, 0) !== VP8L_SIGNATURE) fail("the VP8L signature byte is missing");
  const bits = u32le(data, 1);
  if (bits >>> 29 !== 0) fail(`the VP8L version is ${bits >>> 29}`);
  return {
    width: (bits & 0x3fff) + 1,
    height: ((bits >>> 14) & 0x3fff) + 1,
    hasAlpha: ((bits >>> 28) & 1) === 1,
    animated: false,
    orientation: 1,
  };
}

function readExtended(b: Uint8Array, chunk: Chunk, data: Uint8Array): Features {
  need(data, 0, 10);
  const flags = data[0]!;
  const width = u24le(data, 4) + 1;
  const height = u24le(data, 7) + 1;
  if (width * height > 0xffffffff) fail(`the canvas ${width}x${height} is larger than WebP allows`);
  const orientation = flags & FLAG_EXIF ? findExifOrientation(b, chunk.data + chunk.size + (chunk.size & 1)) : 1;
  return {
    width,
    height,
    hasAlpha: (flags & FLAG_ALPHA) !== 0,
    animated: (flags & FLAG_ANIMATION) !== 0,
    orientation,
  };
}

/** Walks the chunks from `pos` to the EXIF chunk; 1 when it is missing or cut short. */
function findExifOrientation(b: Uint8Array, pos: number): number {
  for (let count = 0; pos + 8 <= b.length && count < MAX_CHUNKS; count++) {
    const chunk = chunkAt(b, pos);
    if (chunk.type === "EXIF") return exifOrientation(b.subarray(chunk.data, chunk.data + chunk.size));
    pos = chunk.data + chunk.size + (chunk.size & 1); // chunks are padded to an even size
  }
  return 1;
}

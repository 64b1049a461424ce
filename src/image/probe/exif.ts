/**
 * EXIF orientation (tag 0x0112 in IFD0) from a TIFF-structured EXIF block.
 *
 * The block is what JPEG's APP1 carries after "Exif\0\0", PNG's eXIf chunk and WebP's EXIF
 * chunk (some writers keep the "Exif\0\0" prefix there too, so it is skipped when present).
 * Both byte orders ("II" little endian, "MM" big endian) are read. Every offset is checked
 * against the block; anything malformed gives 1 (no rotation) rather than an error, because a
 * broken EXIF block does not make the image itself unreadable.
 */
import { ProbeFailure, startsWith, u16be, u16le, u32be, u32le } from "./bytes";

const ORIENTATION_TAG = 0x0112;
const TYPE_SHORT = 3;
const TYPE_LONG = 4;
const EXIF_PREFIX = [0x45, 0x78, 0x69, 0x66, 0, 0]; // "Exif\0\0"

interface Tiff {
  readonly b: Uint8Array;
  readonly u16: (b: Uint8Array, o: number) => number;
  readonly u32: (b: Uint8Array, o: number) => number;
}

/** Orientation 1..8, or 1 when there is none or the block is malformed. */
export function exifOrientation(block: Uint8Array): number {
  try {
    const tiff = openTiff(startsWith(block, EXIF_PREFIX) ? block.subarray(EXIF_PREFIX.length) : block);
    return tiff ? readOrientation(tiff) : 1;
  } catch (err) {
    if (err instanceof ProbeFailure) return 1;
    throw err;
  }
}

function openTiff(b: Uint8Array): Tiff | null {
  const tiff = startsWith(b, "II") ? { b, u16: u16le, u32: u32le } : startsWith(b, "MM") ? { b, u16: u16be, u32: u32be } : null;
  if (!tiff || tiff.u16(b, 2) !== 42) return null;
  return tiff;
}

function readOrientation({ b, u16, u32 }: Tiff): number {
  const ifd = u32(b, 4);
  const count = u16(b, ifd);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > b.length) break;
    if (u16(b, entry) !== ORIENTATION_TAG) continue;
    const type = u16(b, entry + 2);
    const value = type === TYPE_SHORT ? u16(b, entry + 8) : type === TYPE_LONG ? u32(b, entry + 8) : 0;
    return value >= 1 && value <= 8 ? value : 1;
  }
  return 1;
}

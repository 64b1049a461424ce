/**
 * GIF header probe: the logical screen descriptor, then a walk over the blocks (extensions and
 * image descriptors, skipping colour tables and data sub-blocks by their sizes) that counts the
 * frames and notes the first frame's interlace flag and any transparency flag in a graphic
 * control extension. Every step consumes at least one byte, so the walk is linear in the input.
 *
 * Once the first image descriptor has been read, running out of bytes (or meeting garbage) ends
 * the walk quietly: browsers show such files, and the decoder decides about the pixels.
 */
import type { ProbeResult } from "../probe";
import { ascii, fail, ProbeFailure, u16le, u8 } from "./bytes";

const EXTENSION = 0x21;
const IMAGE = 0x2c;
const TRAILER = 0x3b;
const GRAPHIC_CONTROL = 0xf9;
/** Blocks walked at most (an animation has two per frame); after that the walk stops quietly. */
const MAX_BLOCKS = 200_000;

interface Walk {
  frames: number;
  interlaced: boolean;
  transparency: boolean;
  firstWidth: number;
  firstHeight: number;
}

export function probeGif(b: Uint8Array): ProbeResult {
  const version = ascii(b, 0, 6);
  if (version !== "GIF87a" && version !== "GIF89a") fail(`unknown version "${version.replace(/[^\x20-\x7e]/g, "?")}"`);
  const screenWidth = u16le(b, 6);
  const screenHeight = u16le(b, 8);
  const packed = u8(b, 10);
  const walk = walkBlocks(b, 13 + colorTableSize(packed));
  // A zero logical screen is common in the wild; viewers use the first frame's size then.
  const width = screenWidth || walk.firstWidth;
  const height = screenHeight || walk.firstHeight;
  if (width < 1 || height < 1) fail(`the header gives a size of ${width}x${height}`);
  return {
    format: "gif",
    width,
    height,
    orientation: 1,
    interlaced: walk.interlaced,
    sampling: null,
    quality: null,
    depth: 8,
    colorspace: "sRGB",
    hasAlpha: walk.transparency,
    bitsPerChannel: 8,
    animated: walk.frames > 1,
  };
}

function colorTableSize(packed: number): number {
  return packed & 0x80 ? 3 * (1 << ((packed & 0x07) + 1)) : 0;
}

function walkBlocks(b: Uint8Array, start: number): Walk {
  const walk: Walk = { frames: 0, interlaced: false, transparency: false, firstWidth: 0, firstHeight: 0 };
  try {
    for (let pos = start, count = 0; count < MAX_BLOCKS; count++) {
      const next = readBlock(b, pos, walk);
      if (next === null) break;
      pos = next;
    }
  } catch (err) {
    if (!(err instanceof ProbeFailure) || walk.frames === 0) throw err;
  }
  if (walk.frames === 0) fail("it contains no image");
  return walk;
}

/** Reads the block at `pos`; the position after it, or null at the trailer. */
function readBlock(b: Uint8Array, pos: number, walk: Walk): number | null {
  const introducer = u8(b, pos);
  if (introducer === TRAILER) return null;
  if (introducer === EXTENSION) return readExtension(b, pos + 1, walk);
  if (introducer === IMAGE) return readImage(b, pos + 1, walk);
  if (walk.frames > 0) return null; // trailing garbage after at least one image
  return fail(`unexpected block 0x${introducer.toString(16).padStart(2, "0")}`);
}

function readExtension(b: Uint8Array, pos: number, walk: Walk): number {
  const label = u8(b, pos);
  // Graphic control extension: block size 4, then the packed byte whose bit 0 is "transparent".
  if (label === GRAPHIC_CONTROL && u8(b, pos + 1) >= 4 && (u8(b, pos + 2) & 0x01) !== 0) walk.transparency = true;
  return skipSubBlocks(b, pos + 1);
}

function readImage(b: Uint8Array, pos: number, walk: Walk): number {
  const width = u16le(b, pos + 4);
  const height = u16le(b, pos + 6);
  const packed = u8(b, pos + 8);
  if (walk.frames === 0) {
    walk.interlaced = (packed & 0x40) !== 0;
    walk.firstWidth = width;
    walk.firstHeight = height;
  }
  walk.frames++;
  // Local colour table, then the LZW minimum code size byte, then the data sub-blocks.
  return skipSubBlocks(b, pos + 9 + colorTableSize(packed) + 1);
}

/** Skips data sub-blocks (size byte + data) up to and including the zero-size terminator. */
function skipSubBlocks(b: Uint8Array, pos: number): number {
  for (;;) {
    const size = u8(b, pos);
    pos += 1 + size;
    if (size === 0) return pos;
  }
}

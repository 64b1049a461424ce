/**
 * A minimal AVIF file around one AV1 key frame: the image item and its properties, nothing else
 * (no alpha item, no grid, no EXIF). What av1.ts's encoder needs to make a file every AVIF decoder
 * reads:
 *   ftyp  avif, compatible with avif / mif1 / miaf
 *   meta  hdlr "pict", pitm 1, iloc (item 1 in mdat), iinf (one "av01" item),
 *         iprp: ipco (ispe, pixi, av1C, colr nclx) and ipma (av1C essential)
 *   mdat  the AV1 payload (sequence header and frame; no temporal delimiter)
 * The av1C box takes its profile, level, tier and chroma layout from the sequence header, which
 * it also carries as its configuration OBU.
 */
import { concatBytes } from "../bytes";

/** sRGB as AVIF signals it: BT.709 primaries, sRGB transfer, BT.601 matrix, full range. */
export interface Cicp {
  primaries: number;
  transfer: number;
  matrix: number;
  fullRange: boolean;
}

export const SRGB_CICP: Cicp = { primaries: 1, transfer: 13, matrix: 6, fullRange: true };

/** The fields of an AV1 sequence header that av1C repeats. */
export interface SequenceInfo {
  profile: number;
  level: number;
  tier: number;
  highBitdepth: number;
  twelveBit: number;
  monochrome: number;
  subsamplingX: number;
  subsamplingY: number;
  chromaSamplePosition: number;
}

export function avifFile(payload: Uint8Array, sequenceHeader: Uint8Array, width: number, height: number, cicp: Cicp = SRGB_CICP): Uint8Array {
  const info = readSequenceHeader(sequenceHeader);
  const properties = box(
    "ipco",
    fullBox("ispe", 0, 0, u32(width), u32(height)),
    fullBox("pixi", 0, 0, info.monochrome ? bytes(1, 8) : bytes(3, 8, 8, 8)),
    box("av1C", av1Config(info), sequenceHeader),
    box("colr", ascii("nclx"), u16(cicp.primaries), u16(cicp.transfer), u16(cicp.matrix), bytes(cicp.fullRange ? 0x80 : 0)),
  );
  // Item 1 has 4 properties: ispe (1), pixi (2), av1C (3, essential), colr (4).
  const associations = fullBox("ipma", 0, 0, u32(1), u16(1), bytes(4, 1, 2, 0x80 | 3, 4));
  const meta = (dataOffset: number): Uint8Array =>
    fullBox(
      "meta",
      0,
      0,
      fullBox("hdlr", 0, 0, u32(0), ascii("pict"), u32(0), u32(0), u32(0), bytes(0)),
      fullBox("pitm", 0, 0, u16(1)),
      // offset_size 4, length_size 4, base_offset_size 0; one item, one extent.
      fullBox("iloc", 0, 0, bytes(0x44, 0x00), u16(1), u16(1), u16(0), u16(1), u32(dataOffset), u32(payload.length)),
      fullBox("iinf", 0, 0, u16(1), fullBox("infe", 2, 0, u16(1), u16(0), ascii("av01"), bytes(0))),
      box("iprp", properties, associations),
    );
  const ftyp = box("ftyp", ascii("avif"), u32(0), ascii("avif"), ascii("mif1"), ascii("miaf"));
  const dataOffset = ftyp.length + meta(0).length + 8;
  return concatBytes([ftyp, meta(dataOffset), u32(8 + payload.length), ascii("mdat"), payload]);
}

function av1Config(info: SequenceInfo): Uint8Array {
  return bytes(
    0x81, // marker, version 1
    (info.profile << 5) | info.level,
    (info.tier << 7) | (info.highBitdepth << 6) | (info.twelveBit << 5) | (info.monochrome << 4) | (info.subsamplingX << 3) | (info.subsamplingY << 2) | info.chromaSamplePosition,
    0, // no initial presentation delay
  );
}

/** Reads an AV1 sequence header OBU (AV1 spec 5.5) up to its colour configuration. */
export function readSequenceHeader(obu: Uint8Array): SequenceInfo {
  const bits = new BitReader(obu);
  bits.skip(1);
  const type = bits.read(4);
  const hasExtension = bits.read(1);
  const hasSize = bits.read(1);
  bits.skip(1);
  if (type !== 1) throw new Error(`not a sequence header OBU (type ${type})`);
  if (hasExtension) bits.skip(8);
  if (hasSize) bits.leb128();
  const profile = bits.read(3);
  bits.skip(1); // still_picture
  const reduced = bits.read(1);
  let level = 0;
  let tier = 0;
  let frameIds = 0;
  if (reduced) {
    level = bits.read(5);
  } else {
    if (bits.read(1)) throw new Error("sequence headers with timing info are not supported");
    const delayPresent = bits.read(1);
    const points = bits.read(5) + 1;
    for (let i = 0; i < points; i++) {
      bits.skip(12);
      const pointLevel = bits.read(5);
      const pointTier = pointLevel > 7 ? bits.read(1) : 0;
      if (delayPresent && bits.read(1)) bits.skip(4);
      if (i === 0) [level, tier] = [pointLevel, pointTier];
    }
  }
  const widthBits = bits.read(4) + 1;
  const heightBits = bits.read(4) + 1;
  bits.skip(widthBits + heightBits);
  if (!reduced) frameIds = bits.read(1);
  if (frameIds) bits.skip(7);
  bits.skip(3); // 128×128 superblocks, filter intra, intra edge filter
  if (!reduced) {
    bits.skip(4); // interintra compound, masked compound, warped motion, dual filter
    const orderHint = bits.read(1);
    if (orderHint) bits.skip(2);
    const screenContent = bits.read(1) ? 2 : bits.read(1);
    if (screenContent > 0 && !bits.read(1)) bits.skip(1);
    if (orderHint) bits.skip(3);
  }
  bits.skip(3); // superres, CDEF, loop restoration
  const highBitdepth = bits.read(1);
  const twelveBit = profile === 2 && highBitdepth ? bits.read(1) : 0;
  const monochrome = profile === 1 ? 0 : bits.read(1);
  let [primaries, transfer, matrix] = [2, 2, 2];
  if (bits.read(1)) [primaries, transfer, matrix] = [bits.read(8), bits.read(8), bits.read(8)];
  let [subsamplingX, subsamplingY, chromaSamplePosition] = [1, 1, 0];
  if (monochrome) {
    bits.skip(1); // colour range
  } else if (primaries === 1 && transfer === 13 && matrix === 0) {
    [subsamplingX, subsamplingY] = [0, 0];
  } else {
    bits.skip(1); // colour range
    if (profile === 1) [subsamplingX, subsamplingY] = [0, 0];
    else if (profile === 2) throw new Error("AV1 profile 2 is not supported");
    if (subsamplingX && subsamplingY) chromaSamplePosition = bits.read(2);
  }
  return { profile, level, tier, highBitdepth, twelveBit, monochrome, subsamplingX, subsamplingY, chromaSamplePosition };
}

class BitReader {
  #position = 0;
  constructor(private readonly data: Uint8Array) {}

  read(count: number): number {
    let value = 0;
    for (let i = 0; i < count; i++, this.#position++) {
      const byte = this.data[this.#position >> 3];
      if (byte === undefined) throw new Error("the sequence header ends early");
      value = value * 2 + ((byte >> (7 - (this.#position & 7))) & 1);
    }
    return value;
  }

  skip(count: number): void {
    this.read(count);
  }

  leb128(): number {
    let value = 0;
    for (let i = 0; i < 8; i++) {
      const byte = this.read(8);
      value += (byte & 0x7f) * 2 ** (7 * i);
      if (!(byte & 0x80)) break;
    }
    return value;
  }
}

function box(type: string, ...payload: Uint8Array[]): Uint8Array {
  const body = concatBytes(payload);
  return concatBytes([u32(8 + body.length), ascii(type), body]);
}

function fullBox(type: string, version: number, flags: number, ...payload: Uint8Array[]): Uint8Array {
  return box(type, bytes(version, (flags >> 16) & 255, (flags >> 8) & 255, flags & 255), ...payload);
}

function bytes(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}

function u16(value: number): Uint8Array {
  return bytes((value >> 8) & 255, value & 255);
}

function u32(value: number): Uint8Array {
  return bytes((value >>> 24) & 255, (value >> 16) & 255, (value >> 8) & 255, value & 255);
}

function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

/**
 * The embedded ICC profile of an input, as raw profile bytes, found the way each container stores it:
 *
 *   JPEG  APP2 segments "ICC_PROFILE\0" + sequence number (1-based) + count, then a piece of the
 *         profile; a profile over 64 KiB is split across several segments. The pieces are joined in
 *         sequence order; a missing, repeated or out-of-range piece, or pieces that disagree on the
 *         count, make the whole profile void (as libjpeg's read_icc_profile does).
 *   PNG   the iCCP chunk before IDAT: a 1–79 byte name, NUL, compression method 0, zlib data.
 *   WebP  the ICCP chunk of an extended (VP8X) file.
 *   AVIF  a `colr` property of colour type "prof" (or "rICC", restricted ICC) associated with the
 *         primary item (meta → pitm, iprp → ipma/ipco); an "nclx" colr carries no profile. When the
 *         associations cannot be read, the first prof/rICC colr in ipco is taken.
 *
 * Like the probes, every read is bounds-checked (probe/bytes.ts), walks are capped, and the result
 * is capped at MAX_PROFILE bytes. Garbage never throws: anything malformed gives null.
 */
import { concatBytes } from "../bytes";
import type { ImageFormat } from "../probe";
import { boxes, complete, ipmaEntries, view, type Box } from "../probe/avif";
import { fourcc, need, startsWith, u16be, u32be, u32le, u8 } from "../probe/bytes";

/** Real profiles are 0.5–60 KiB (a few hundred KiB for large printer LUTs). */
export const MAX_PROFILE = 4 * 1024 * 1024;
/** Walks over segments and chunks stop after this many (box walks use the AVIF probe's cap, also 100,000). */
const MAX_STEPS = 100_000;

export async function extractIcc(bytes: Uint8Array, format: ImageFormat): Promise<Uint8Array | null> {
  try {
    switch (format) {
      case "jpeg":
        return fromJpeg(bytes);
      case "png":
        return await fromPng(bytes);
      case "webp":
        return fromWebp(bytes);
      case "avif":
        return fromIsoBmff(bytes);
      case "gif":
        return null;
    }
  } catch {
    // A ProbeFailure from a bounds check, or a zlib stream the decompressor rejects.
    return null;
  }
}

// --- JPEG ------------------------------------------------------------------------------------

const ICC_MARKER = "ICC_PROFILE\0";
const APP2 = 0xe2;
const SOS = 0xda;

function fromJpeg(b: Uint8Array): Uint8Array | null {
  if (!startsWith(b, [0xff, 0xd8])) return null;
  const pieces = new Map<number, Uint8Array>();
  let count = 0;
  let total = 0;
  let pos = 2;
  for (let steps = 0; steps < MAX_STEPS; steps++) {
    pos = b.indexOf(0xff, pos);
    if (pos < 0) break;
    while (pos < b.length && b[pos] === 0xff) pos++;
    const marker = u8(b, pos++);
    if (marker === 0xd9 || marker === SOS) break; // EOI, or the image data: no APP segments follow
    if (marker === 0x00 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) continue; // no length
    const length = u16be(b, pos);
    if (length < 2) return null;
    need(b, pos, length);
    const seg = b.subarray(pos + 2, pos + length);
    pos += length;
    if (marker !== APP2 || !startsWith(seg, ICC_MARKER)) continue;
    const seq = u8(seg, 12);
    const n = u8(seg, 13);
    if (n === 0 || seq === 0 || seq > n || (count !== 0 && n !== count) || pieces.has(seq)) return null;
    count = n;
    const piece = seg.subarray(14);
    total += piece.length;
    if (total > MAX_PROFILE) return null;
    pieces.set(seq, piece);
  }
  if (count === 0 || pieces.size !== count) return null;
  const profile = concatBytes(Array.from({ length: count }, (_, i) => pieces.get(i + 1)!));
  return profile.length > 0 ? profile : null;
}

// --- PNG -------------------------------------------------------------------------------------

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

async function fromPng(b: Uint8Array): Promise<Uint8Array | null> {
  if (!startsWith(b, PNG_SIGNATURE)) return null;
  let pos = 8;
  for (let steps = 0; steps < MAX_STEPS && pos + 8 <= b.length; steps++) {
    const length = u32be(b, pos);
    const type = fourcc(b, pos + 4);
    // iCCP must come before PLTE and IDAT; past them there is none to find.
    if (type === "IDAT" || type === "PLTE" || type === "IEND") return null;
    if (type === "iCCP") {
      need(b, pos + 8, length);
      return readIccp(b.subarray(pos + 8, pos + 8 + length));
    }
    pos += 12 + length;
  }
  return null;
}

async function readIccp(data: Uint8Array): Promise<Uint8Array | null> {
  const zero = data.subarray(0, 80).indexOf(0);
  if (zero < 1) return null; // the name is 1–79 bytes
  if (u8(data, zero + 1) !== 0) return null; // compression method 0 (zlib) is the only one
  return inflate(data.subarray(zero + 2), MAX_PROFILE);
}

/** zlib data inflated by the platform's DecompressionStream, stopping at `limit` output bytes. */
async function inflate(data: Uint8Array, limit: number): Promise<Uint8Array | null> {
  const stream = new DecompressionStream("deflate");
  const writer = stream.writable.getWriter();
  // The reader below sees any failure; these promises only need a handler.
  writer.write(data).catch(() => undefined);
  writer.close().catch(() => undefined);
  const reader = stream.readable.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  if (total === 0) return null;
  return concatBytes(chunks);
}

// --- WebP ------------------------------------------------------------------------------------

function fromWebp(b: Uint8Array): Uint8Array | null {
  if (!startsWith(b, "RIFF") || !startsWith(b, "WEBP", 8) || !startsWith(b, "VP8X", 12)) return null;
  const end = Math.min(b.length, 8 + u32le(b, 4));
  let pos = 12;
  for (let steps = 0; steps < MAX_STEPS && pos + 8 <= end; steps++) {
    const type = fourcc(b, pos);
    const size = u32le(b, pos + 4);
    if (type === "ICCP") {
      if (size === 0 || size > MAX_PROFILE || pos + 8 + size > end) return null;
      return b.slice(pos + 8, pos + 8 + size);
    }
    pos += 8 + size + (size & 1); // chunks are padded to an even size
  }
  return null;
}

// --- AVIF (ISO-BMFF / HEIF) ------------------------------------------------------------------

/** The boxes in [start, end), walked by the AVIF probe's reader; a box running past `end` is malformed. */
function* children(b: Uint8Array, start: number, end: number): Generator<Box> {
  for (const box of boxes(b, start, end)) yield complete(box);
}

function child(b: Uint8Array, start: number, end: number, type: string): Box | undefined {
  for (const box of children(b, start, end)) if (box.type === type) return box;
  return undefined;
}

function fromIsoBmff(b: Uint8Array): Uint8Array | null {
  if (!startsWith(b, "ftyp", 4)) return null;
  const meta = child(b, 0, b.length, "meta");
  if (!meta) return null;
  const inMeta = (type: string): Box | undefined => child(b, meta.data + 4, meta.end, type); // meta is a full box
  const iprp = inMeta("iprp");
  const ipco = iprp && child(b, iprp.data, iprp.end, "ipco");
  if (!iprp || !ipco) return null;
  const properties = [...children(b, ipco.data, ipco.end)];
  const profileOf = (box: Box | undefined): Uint8Array | null => (box?.type === "colr" ? colrProfile(b, box) : null);
  const pitm = inMeta("pitm");
  const associated = pitm ? primaryProperties(b, iprp, readPrimary(b, pitm)) : null;
  if (associated) {
    // ipma indices are 1-based into ipco; a primary item with only an nclx colr has no profile.
    for (const index of associated) {
      const profile = profileOf(properties[index - 1]);
      if (profile) return profile;
    }
    return null;
  }
  for (const box of properties) {
    const profile = profileOf(box);
    if (profile) return profile;
  }
  return null;
}

function readPrimary(b: Uint8Array, pitm: Box): number {
  return u8(b, pitm.data) === 0 ? u16be(b, pitm.data + 4) : u32be(b, pitm.data + 4);
}

/** The primary item's property indices from the first ipma that lists it; null when none does. */
function primaryProperties(b: Uint8Array, iprp: Box, primary: number): number[] | null {
  for (const ipma of children(b, iprp.data, iprp.end)) {
    if (ipma.type !== "ipma") continue;
    for (const { id, indices } of ipmaEntries(view(b, ipma))) if (id === primary) return indices;
  }
  return null;
}

function colrProfile(b: Uint8Array, colr: Box): Uint8Array | null {
  const kind = fourcc(b, colr.data);
  if (kind !== "prof" && kind !== "rICC") return null;
  const size = colr.end - colr.data - 4;
  if (size <= 0 || size > MAX_PROFILE) return null;
  return b.slice(colr.data + 4, colr.end);
}

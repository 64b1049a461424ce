/**
 * AVIF (and, to name it in errors, other ISO-BMFF/HEIF) header probe.
 *
 * `ftyp` brands decide the family: "avif"/"avis" are AVIF; HEVC brands (heic, heix, ...) are
 * HEIC; "jxl " is JPEG XL; a plain HEIF "mif1"/"msf1" file is AVIF when its primary item (or,
 * for a grid, any item) is "av01". Then `meta` is read, in dependency order whatever the box
 * order in the file:
 *   pitm  → the primary item id;
 *   iinf  → the primary item's type (av01, grid, hvc1, ...);
 *   iref  → "auxl" references to the primary item (its auxiliary images);
 *   iprp  → ipma (which properties each of those items has, in order) and ipco (the properties:
 *           ispe size, pixi bits per channel, av1C bit depth/monochrome, auxC auxiliary type,
 *           irot/imir transforms).
 * Only properties of the items we care about are decoded, so a hostile file cannot make us
 * build large tables. Box sizes of 0 (to the end of the container) and 1 (64-bit size) are
 * handled; every container walk is capped.
 *
 * Orientation: AVIF has no EXIF orientation (the HEIF spec says to ignore it); rotation and
 * mirroring are the irot/imir properties of the primary item. libavif, and so our decoder
 * (@jsquash/avif), does NOT apply them (tested: a 451x300 file with irot decodes to 451x300,
 * while libheif/sharp gives 300x451). We therefore report width/height as stored (ispe) and fold
 * irot/imir, in their ipma order, into the equivalent EXIF orientation 1..8 (irot angle 1, a
 * quarter turn anti-clockwise, is EXIF 8; imir axis 0, top-bottom, is EXIF 4), so the pipeline's
 * orient step rotates AVIF exactly like JPEG. The clean-aperture crop (clap) is not reported.
 *
 * An image sequence ("avis") without a `meta` box takes its size from the first track's `tkhd`.
 */
import type { ProbeResult } from "../probe";
import { ascii, checkDimensions, fail, fourcc, need, u16be, u32be, u8, unsupported } from "./bytes";

const MAX_BOXES = 100_000;
const MAX_ALPHA_CANDIDATES = 16;
const ALPHA_URNS = new Set(["urn:mpeg:mpegB:cicp:systems:auxiliary:alpha", "urn:mpeg:hevc:2015:auxid:1"]);
const HEVC_BRANDS = new Set(["heic", "heix", "heim", "heis", "hevc", "hevx", "hevm", "hevs"]);
const HEVC_ITEMS = new Set(["hvc1", "hev1"]);

export interface Box {
  readonly type: string;
  /** Offset of the payload (after size, type, largesize and uuid). */
  readonly data: number;
  /** End of the box, clamped to its container. */
  readonly end: number;
  /** The declared size runs past the container (or the input). */
  readonly truncated: boolean;
}

type Property =
  | { readonly kind: "ispe"; readonly width: number; readonly height: number }
  | { readonly kind: "pixi"; readonly bits: readonly number[] }
  | { readonly kind: "av1C"; readonly bits: number; readonly monochrome: boolean }
  | { readonly kind: "auxC"; readonly auxType: string }
  | { readonly kind: "irot"; readonly angle: number }
  | { readonly kind: "imir"; readonly axis: number };

interface Items {
  primary: number;
  primaryType: string;
  anyAv1: boolean;
  anyHevc: boolean;
}

/** What the meta box says about the primary image. */
interface Meta extends Items {
  readonly primaryProperties: readonly Property[];
  readonly alpha: boolean;
  /** The first av1C in ipco: the bit depth of grid tiles when the grid item itself has none. */
  readonly anyAv1C?: Property & { kind: "av1C" };
}

export function probeIsoBmff(b: Uint8Array): ProbeResult {
  const ftyp = complete(readBox(b, 0, b.length));
  if (ftyp.type !== "ftyp") fail("it does not start with an ftyp box");
  const brands = readBrands(b, ftyp);
  const avifBrand = brands.includes("avif") || brands.includes("avis");
  if (!avifBrand) rejectForeignBrands(brands);
  const top = topLevelBoxes(b, ftyp.end);
  if (top.meta) return fromMeta(readMeta(b, top.meta), avifBrand, brands);
  if (top.moov && avifBrand) return fromTrack(b, top.moov);
  return fail("there is no meta box");
}

/** The major brand first, then the compatible brands. */
function readBrands(b: Uint8Array, ftyp: Box): string[] {
  need(b.subarray(0, ftyp.end), ftyp.data, 8);
  const brands = [fourcc(b, ftyp.data)];
  for (let pos = ftyp.data + 8; pos + 4 <= ftyp.end; pos += 4) brands.push(fourcc(b, pos));
  return brands;
}

function rejectForeignBrands(brands: readonly string[]): void {
  if (brands.some((brand) => HEVC_BRANDS.has(brand))) throw unsupported("bytes are a HEIC (HEVC-coded HEIF) image");
  if (brands.includes("jxl ")) throw unsupported("bytes are a JPEG XL image");
  if (!brands.includes("mif1") && !brands.includes("msf1")) {
    throw unsupported(`bytes are an ISO media file of brand "${printable(brands[0] ?? "")}", not an image`);
  }
}

function topLevelBoxes(b: Uint8Array, start: number): { meta?: Box; moov?: Box } {
  const found: { meta?: Box; moov?: Box } = {};
  for (const box of boxes(b, start, b.length)) {
    if (box.type === "meta" && !found.meta) found.meta = complete(box);
    if (box.type === "moov" && !found.moov) found.moov = box;
  }
  return found;
}

// --- boxes ---------------------------------------------------------------------------------

/** The box at `pos` inside [.., limit); one whose declared size runs past `limit` is clamped and marked truncated. */
function readBox(b: Uint8Array, pos: number, limit: number): Box {
  if (pos + 8 > limit) fail("a box header is truncated");
  const size32 = u32be(b, pos);
  const type = fourcc(b, pos + 4);
  let header = 8;
  let size = size32;
  if (size32 === 1) {
    if (pos + 16 > limit) fail(`the "${printable(type)}" box header is truncated`);
    size = u32be(b, pos + 8) * 2 ** 32 + u32be(b, pos + 12);
    header = 16;
  } else if (size32 === 0) {
    size = limit - pos;
  }
  if (type === "uuid") header += 16;
  if (size < header) fail(`the "${printable(type)}" box has an impossible size ${size}`);
  const end = pos + size;
  return { type, data: pos + header, end: Math.min(end, limit), truncated: end > limit };
}

/** The child boxes in [start, end); stops after a box that runs past `end`. */
export function* boxes(b: Uint8Array, start: number, end: number): Generator<Box> {
  let count = 0;
  for (let pos = start; pos + 8 <= end; ) {
    if (++count > MAX_BOXES) fail("it has too many boxes");
    const box = readBox(b, pos, end);
    yield box;
    if (box.truncated) return;
    pos = box.end;
  }
}

function findBox(b: Uint8Array, parent: Box, type: string): Box | undefined {
  for (const box of boxes(b, parent.data, parent.end)) if (box.type === type) return box;
  return undefined;
}

export function complete(box: Box): Box {
  if (box.truncated) fail(`the data is truncated inside the "${printable(box.type)}" box`);
  return box;
}

/** The children of a full box (version and flags come first). */
function fullBoxChildren(b: Uint8Array, box: Box, skip: number): Generator<Box> {
  return boxes(b, box.data + 4 + skip, box.end);
}

export function view(b: Uint8Array, box: Box): Uint8Array {
  return b.subarray(box.data, box.end);
}

// --- meta ------------------------------------------------------------------------------------

function readMeta(b: Uint8Array, meta: Box): Meta {
  const children = new Map<string, Box>();
  for (const box of fullBoxChildren(b, meta, 0)) {
    if (!children.has(box.type)) children.set(box.type, complete(box));
  }
  const pitm = children.get("pitm");
  if (!pitm) fail("there is no primary item (pitm box)");
  const items = readItems(b, children.get("iinf"), readPrimary(view(b, pitm)));
  const candidates = alphaCandidates(b, children.get("iref"), items.primary);
  const iprp = children.get("iprp");
  if (!iprp) fail("there are no item properties (iprp box)");
  return { ...items, ...readProperties(b, iprp, items.primary, candidates) };
}

function readPrimary(p: Uint8Array): number {
  return u8(p, 0) === 0 ? u16be(p, 4) : u32be(p, 4);
}

function readItems(b: Uint8Array, iinf: Box | undefined, primary: number): Items {
  const items: Items = { primary, primaryType: "", anyAv1: false, anyHevc: false };
  if (!iinf) return fail("there is no item information (iinf box)");
  const countSize = u8(b.subarray(0, iinf.end), iinf.data) === 0 ? 2 : 4;
  for (const infe of fullBoxChildren(b, iinf, countSize)) {
    if (infe.type !== "infe") continue;
    const entry = readInfe(view(b, infe));
    if (!entry) continue;
    if (entry.id === primary) items.primaryType = entry.type;
    if (entry.type === "av01") items.anyAv1 = true;
    if (HEVC_ITEMS.has(entry.type)) items.anyHevc = true;
  }
  return items;
}

/** An item info entry, version 2 or 3 (older versions carry no item type). */
function readInfe(p: Uint8Array): { id: number; type: string } | null {
  const version = u8(p, 0);
  if (version < 2) return null;
  const id = version === 2 ? u16be(p, 4) : u32be(p, 4);
  const typeAt = version === 2 ? 8 : 10;
  return { id, type: fourcc(p, typeAt) };
}

/** Items with an "auxl" reference to the primary item (alpha, depth, ...). */
function alphaCandidates(b: Uint8Array, iref: Box | undefined, primary: number): Set<number> {
  const found = new Set<number>();
  if (!iref) return found;
  const wide = u8(b.subarray(0, iref.end), iref.data) !== 0;
  for (const ref of fullBoxChildren(b, iref, 0)) {
    if (ref.type !== "auxl" || found.size >= MAX_ALPHA_CANDIDATES) continue;
    const p = view(b, ref);
    const read = (o: number): number => (wide ? u32be(p, o) : u16be(p, o));
    const size = wide ? 4 : 2;
    const from = read(0);
    const count = u16be(p, size);
    for (let i = 0; i < count; i++) if (read(size + 2 + i * size) === primary) found.add(from);
  }
  return found;
}

// --- properties ----------------------------------------------------------------------------

function readProperties(
  b: Uint8Array,
  iprp: Box,
  primary: number,
  candidates: ReadonlySet<number>,
): Pick<Meta, "primaryProperties" | "alpha" | "anyAv1C"> {
  let ipco: Box | undefined;
  const associations = new Map<number, number[]>();
  for (const box of boxes(b, iprp.data, iprp.end)) {
    if (box.type === "ipco" && !ipco) ipco = complete(box);
    if (box.type === "ipma") readAssociations(view(b, complete(box)), associations, (id) => id === primary || candidates.has(id));
  }
  if (!ipco) fail("there is no property container (ipco box)");
  const wanted = new Set([...associations.values()].flat());
  const { properties, anyAv1C } = readPropertyContainer(b, ipco, wanted);
  const of = (id: number): Property[] => (associations.get(id) ?? []).flatMap((i) => properties.get(i) ?? []);
  const alpha = [...candidates].some((id) => of(id).some((p) => p.kind === "auxC" && ALPHA_URNS.has(p.auxType)));
  return { primaryProperties: of(primary), alpha, ...(anyAv1C ? { anyAv1C } : {}) };
}

/** ipma: for each item, its property indices (1-based into ipco), in order. */
function readAssociations(p: Uint8Array, into: Map<number, number[]>, keep: (id: number) => boolean): void {
  for (const { id, indices } of ipmaEntries(p)) {
    if (keep(id) && !into.has(id)) into.set(id, indices);
  }
}

/** The entries of an ipma payload `p`, read one at a time (a caller may stop early). */
export function* ipmaEntries(p: Uint8Array): Generator<{ id: number; indices: number[] }> {
  const version = u8(p, 0);
  const wideIndex = (u8(p, 3) & 1) === 1;
  const count = u32be(p, 4);
  let pos = 8;
  for (let i = 0; i < count; i++) {
    const id = version < 1 ? u16be(p, pos) : u32be(p, pos);
    pos += version < 1 ? 2 : 4;
    const n = u8(p, pos++);
    const indices: number[] = [];
    for (let j = 0; j < n; j++) {
      indices.push(wideIndex ? u16be(p, pos) & 0x7fff : u8(p, pos) & 0x7f);
      pos += wideIndex ? 2 : 1;
    }
    yield { id, indices };
  }
}

function readPropertyContainer(
  b: Uint8Array,
  ipco: Box,
  wanted: ReadonlySet<number>,
): { properties: Map<number, Property>; anyAv1C?: Property & { kind: "av1C" } } {
  const properties = new Map<number, Property>();
  let anyAv1C: (Property & { kind: "av1C" }) | undefined;
  let index = 0;
  for (const box of boxes(b, ipco.data, ipco.end)) {
    index++;
    if (!wanted.has(index) && (anyAv1C || box.type !== "av1C")) continue;
    const property = readProperty(box.type, view(b, complete(box)));
    if (property && wanted.has(index)) properties.set(index, property);
    if (property?.kind === "av1C") anyAv1C ??= property;
  }
  return anyAv1C ? { properties, anyAv1C } : { properties };
}

function readProperty(type: string, p: Uint8Array): Property | null {
  switch (type) {
    case "ispe":
      return { kind: "ispe", width: u32be(p, 4), height: u32be(p, 8) };
    case "pixi":
      return { kind: "pixi", bits: readPixi(p) };
    case "av1C":
      return readAv1C(p);
    case "auxC":
      return { kind: "auxC", auxType: readCString(p, 4) };
    case "irot":
      return { kind: "irot", angle: u8(p, 0) & 0x03 };
    case "imir":
      return { kind: "imir", axis: u8(p, 0) & 0x01 };
    default:
      return null;
  }
}

function readPixi(p: Uint8Array): number[] {
  const count = u8(p, 4);
  need(p, 5, count);
  return [...p.subarray(5, 5 + count)];
}

/** av1C byte 2: high_bitdepth (bit 6), twelve_bit (bit 5), monochrome (bit 4). */
function readAv1C(p: Uint8Array): Property & { kind: "av1C" } {
  const flags = u8(p, 2);
  const bits = flags & 0x40 ? (flags & 0x20 ? 12 : 10) : 8;
  return { kind: "av1C", bits, monochrome: (flags & 0x10) !== 0 };
}

/** A NUL-terminated string (auxiliary type URNs); at most 255 characters are read. */
function readCString(p: Uint8Array, start: number): string {
  const zero = p.indexOf(0, start);
  return ascii(p, start, Math.min((zero < 0 ? p.length : zero) - start, 255));
}

// --- results -----------------------------------------------------------------------------------

function fromMeta(meta: Meta, avifBrand: boolean, brands: readonly string[]): ProbeResult {
  if (HEVC_ITEMS.has(meta.primaryType) || (!avifBrand && !meta.anyAv1 && meta.anyHevc)) {
    throw unsupported("bytes are a HEIC (HEVC-coded HEIF) image");
  }
  if (!avifBrand && !meta.anyAv1) throw unsupported(`bytes are a HEIF file whose primary item is "${printable(meta.primaryType)}"`);
  const props = meta.primaryProperties;
  const ispe = props.find((p) => p.kind === "ispe");
  if (!ispe) return fail("the primary item has no size (ispe property)");
  checkDimensions(ispe.width, ispe.height);
  const { bits, channels } = colourLayout(props, meta.anyAv1C);
  return result(ispe.width, ispe.height, bits, channels, meta.alpha, orientation(props), brands);
}

function colourLayout(props: readonly Property[], fallback?: Property & { kind: "av1C" }): { bits: number; channels: number } {
  const pixi = props.find((p) => p.kind === "pixi");
  if (pixi && pixi.bits.length > 0) return { bits: pixi.bits[0]!, channels: pixi.bits.length };
  const av1C = props.find((p) => p.kind === "av1C") ?? fallback;
  if (av1C) return { bits: av1C.bits, channels: av1C.monochrome ? 1 : 3 };
  return { bits: 8, channels: 3 };
}

/**
 * Folds the primary item's irot/imir (in association order) into an EXIF orientation. A
 * transform is kept as "rotate r quarter turns clockwise, then mirror left-right if m".
 */
function orientation(props: readonly Property[]): number {
  let r = 0;
  let m = false;
  for (const p of props) {
    if (p.kind === "irot") {
      const clockwise = (4 - p.angle) % 4; // irot turns anti-clockwise
      r = (r + (m ? 4 - clockwise : clockwise)) % 4; // rotating a mirrored image turns the other way
    } else if (p.kind === "imir") {
      // ISO/IEC 23008-12:2022: axis 0 exchanges top and bottom (= 180° turn + left-right mirror),
      // axis 1 exchanges left and right. libheif reads it the same way (tested).
      if (p.axis === 0) r = (r + 2) % 4;
      m = !m;
    }
  }
  return EXIF_ORIENTATION[r + (m ? 4 : 0)]!;
}

/** Index r (clockwise quarter turns) + 4 when mirrored → EXIF orientation. */
const EXIF_ORIENTATION = [1, 6, 3, 8, 2, 5, 4, 7];

function fromTrack(b: Uint8Array, moov: Box): ProbeResult {
  const trak = findBox(b, moov, "trak");
  const tkhd = trak ? findBox(b, trak, "tkhd") : undefined;
  if (!tkhd) return fail("the image sequence has no track header (tkhd)");
  const p = view(b, complete(tkhd));
  const at = u8(p, 0) === 1 ? 88 : 76;
  const width = Math.floor(u32be(p, at) / 65536);
  const height = Math.floor(u32be(p, at + 4) / 65536);
  checkDimensions(width, height);
  return result(width, height, 8, 3, false, 1, ["avis"]);
}

function result(
  width: number,
  height: number,
  bits: number,
  channels: number,
  hasAlpha: boolean,
  orient: number,
  brands: readonly string[],
): ProbeResult {
  return {
    format: "avif",
    width,
    height,
    orientation: orient,
    interlaced: false,
    sampling: null,
    quality: null,
    depth: bits * (channels + (hasAlpha ? 1 : 0)),
    colorspace: channels < 3 ? "Gray" : "sRGB",
    hasAlpha,
    bitsPerChannel: bits,
    animated: brands[0] === "avis" || brands.includes("avis"),
  };
}

function printable(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, "?");
}

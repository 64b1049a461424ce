/**
 * The header probe: exact facts for every committed fixture, synthetic headers for what the
 * fixtures do not cover, and hostile input (random, truncated, mutated bytes) that must end in a
 * result or an ApiError 415 and nothing else.
 *
 * Ground truth for the fixtures: sharp 0.35.5 `metadata()`, `exiftool` 12.57 and ImageMagick
 * `identify` on the committed files (test/fixtures), and scripts/make-fixtures.mjs for the
 * qualities the JPEGs were written at.
 */
import { describe, expect, it } from "vitest";
import { ApiError } from "../../src/errors";
import { concatBytes } from "../../src/image/bytes";
import { probe, sha1Hex, type ProbeResult } from "../../src/image/probe";
import { fixture } from "./fixtures";

// --- helpers ------------------------------------------------------------------------------------

/** The result, or the 415 ApiError; anything else thrown fails the test. */
function outcome(bytes: Uint8Array): ProbeResult | ApiError {
  try {
    return probe(bytes);
  } catch (err) {
    if (err instanceof ApiError && err.status === 415) return err;
    throw new Error(`probe threw something other than an ApiError 415: ${String(err)}`, { cause: err });
  }
}

function rejection(bytes: Uint8Array): ApiError {
  const result = outcome(bytes);
  if (!(result instanceof ApiError)) throw new Error(`expected a 415, got ${JSON.stringify(result)}`);
  return result;
}

function expect415(bytes: Uint8Array, message: RegExp): void {
  expect(rejection(bytes).message).toMatch(message);
}

const text = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));
const be16 = (n: number): number[] => [(n >>> 8) & 0xff, n & 0xff];
const le16 = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff];
const be32 = (n: number): number[] => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
const le32 = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
const bytesOf = (...parts: (number[] | Uint8Array)[]): Uint8Array => concatBytes(parts);

/** `unit` repeated `count` times. */
function repeat(count: number, unit: number[]): Uint8Array {
  const out = new Uint8Array(count * unit.length);
  for (let i = 0; i < count; i++) out.set(unit, i * unit.length);
  return out;
}

/** Deterministic PRNG (mulberry32) so failures are reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A TIFF-structured EXIF block whose IFD0 holds one orientation entry. */
function exifBlock(orientation: number, order: "II" | "MM", type = 3, ifdOffset = 8): number[] {
  const u16 = order === "II" ? le16 : be16;
  const u32 = order === "II" ? le32 : be32;
  const value = type === 3 ? [...u16(orientation), 0, 0] : u32(orientation);
  return [...text(order), ...u16(42), ...u32(ifdOffset), ...u16(1), ...u16(0x0112), ...u16(type), ...u32(1), ...value, ...u32(0)];
}

// --- JPEG builders ---------------------------------------------------------------------------------

const segment = (marker: number, payload: number[]): number[] => [0xff, marker, ...be16(payload.length + 2), ...payload];

/** ITU-T T.81 Annex K tables in natural order, and the zig-zag scan, written out independently of src. */
const K1 = [16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99];
const K2 = [17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, ...Array<number>(5).fill(99), 47, 66, ...Array<number>(38).fill(99)];
const NATURAL_ORDER = [0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63];

/** libjpeg's table for `quality` (jcparam.c), in zig-zag order as DQT stores it. */
function ijgTable(base: number[], quality: number, max = 255): number[] {
  const scale = quality < 50 ? Math.floor(5000 / quality) : 200 - 2 * quality;
  return NATURAL_ORDER.map((n) => Math.min(max, Math.max(1, Math.floor((base[n]! * scale + 50) / 100))));
}

const dqt8 = (id: number, values: number[]): number[] => [id, ...values];
const dqt16 = (id: number, values: number[]): number[] => [0x10 | id, ...values.flatMap(be16)];

interface JpegSpec {
  marker?: number;
  precision?: number;
  width?: number;
  height?: number;
  /** [id, h, v, table] per component. */
  components?: [number, number, number, number][];
  before?: number[];
  tables?: number[];
}

function sof(spec: JpegSpec): number[] {
  const comps = spec.components ?? [[1, 2, 2, 0], [2, 1, 1, 1], [3, 1, 1, 1]];
  return segment(spec.marker ?? 0xc0, [spec.precision ?? 8, ...be16(spec.height ?? 16), ...be16(spec.width ?? 24), comps.length, ...comps.flatMap(([id, h, v, t]) => [id, (h << 4) | v, t])]);
}

const SOS_SEGMENT = segment(0xda, [1, 1, 0, 0, 63, 0]);

function jpeg(spec: JpegSpec = {}): Uint8Array {
  const tables = spec.tables ?? segment(0xdb, [...dqt8(0, ijgTable(K1, 80)), ...dqt8(1, ijgTable(K2, 80))]);
  return bytesOf([0xff, 0xd8], spec.before ?? [], tables, sof(spec), SOS_SEGMENT, [0x12, 0x34, 0xff, 0xd9]);
}

// --- PNG builders ------------------------------------------------------------------------------------

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data: number[]): number {
  let c = 0xffffffff;
  for (const byte of data) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: number[], length = data.length): number[] {
  const body = [...text(type), ...data];
  return [...be32(length), ...body, ...be32(crc32(body))];
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const ihdr = (w: number, h: number, depth = 8, colorType = 6, interlace = 0): number[] =>
  chunk("IHDR", [...be32(w), ...be32(h), depth, colorType, 0, 0, interlace]);
const IDAT = chunk("IDAT", [0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
const IEND = chunk("IEND", []);

function png(...chunks: (number[] | Uint8Array)[]): Uint8Array {
  return bytesOf(PNG_SIGNATURE, ...chunks);
}

// --- WebP builders -----------------------------------------------------------------------------------

function riffChunk(type: string, data: number[]): number[] {
  return [...text(type), ...le32(data.length), ...data, ...(data.length & 1 ? [0] : [])];
}

function webp(...chunks: number[][]): Uint8Array {
  const body = chunks.flat();
  return bytesOf(text("RIFF"), le32(body.length + 4), text("WEBP"), body);
}

const le24 = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff];
const vp8x = (flags: number, w: number, h: number): number[] => riffChunk("VP8X", [flags, 0, 0, 0, ...le24(w - 1), ...le24(h - 1)]);
const vp8l = (w: number, h: number, alpha: boolean, version = 0): number[] =>
  riffChunk("VP8L", [0x2f, ...le32(((w - 1) | ((h - 1) << 14) | (alpha ? 1 << 28 : 0) | (version << 29)) >>> 0), 0, 0]);

// --- ISO-BMFF (AVIF/HEIF) builders ---------------------------------------------------------------------

function box(type: string, ...payload: number[][]): number[] {
  const body = payload.flat();
  return [...be32(body.length + 8), ...text(type), ...body];
}

const fullBox = (type: string, version: number, flags: number, ...payload: number[][]): number[] => box(type, [version, 0, 0, flags], ...payload);
const ftyp = (major: string, ...compatible: string[]): number[] => box("ftyp", text(major), be32(0), ...compatible.map(text));
const infe = (id: number, type: string): number[] => fullBox("infe", 2, 0, be16(id), be16(0), text(type), [0]);
const ispe = (w: number, h: number): number[] => fullBox("ispe", 0, 0, be32(w), be32(h));
const pixi = (...bits: number[]): number[] => fullBox("pixi", 0, 0, [bits.length, ...bits]);
/** av1C with high_bitdepth/twelve_bit/monochrome flags. */
const av1C = (bits: 8 | 10 | 12, mono = false): number[] =>
  box("av1C", [0x81, 0x20, (bits > 8 ? 0x40 : 0) | (bits === 12 ? 0x20 : 0) | (mono ? 0x10 : 0) | 0x0c, 0]);
const auxC = (urn: string): number[] => fullBox("auxC", 0, 0, text(urn), [0]);
const irot = (angle: number): number[] => box("irot", [angle]);
const imir = (axis: number): number[] => box("imir", [axis]);
const ALPHA_URN = "urn:mpeg:mpegB:cicp:systems:auxiliary:alpha";

interface HeifSpec {
  brands?: string[];
  items?: [number, string][];
  /** ipco children, indexed from 1 in ipma. */
  properties?: number[][];
  /** item id → property indices. */
  associations?: [number, number[]][];
  /** [from, to] auxl references. */
  auxl?: [number, number][];
  primary?: number | null;
  /** Rearranges or replaces meta's children. */
  metaChildren?: (parts: Record<string, number[]>) => number[][];
}

/** meta's children, flattened. */
function metaChildren(spec: HeifSpec): number[] {
  const items = spec.items ?? [[1, "av01"]];
  const properties = spec.properties ?? [av1C(8), ispe(640, 480), pixi(8, 8, 8)];
  const associations = spec.associations ?? [[1, [1, 2, 3]]];
  const ipma = fullBox("ipma", 0, 0, be32(associations.length), ...associations.map(([id, idx]) => [...be16(id), idx.length, ...idx.map((i) => 0x80 | i)]));
  const parts: Record<string, number[]> = {
    hdlr: fullBox("hdlr", 0, 0, be32(0), text("pict"), be32(0), be32(0), be32(0), [0]),
    pitm: spec.primary === null ? [] : fullBox("pitm", 0, 0, be16(spec.primary ?? 1)),
    iinf: fullBox("iinf", 0, 0, be16(items.length), ...items.map(([id, type]) => infe(id, type))),
    iref: spec.auxl ? fullBox("iref", 0, 0, ...spec.auxl.map(([from, to]) => box("auxl", be16(from), be16(1), be16(to)))) : [],
    iprp: box("iprp", box("ipco", ...properties), ipma),
  };
  return (spec.metaChildren ? spec.metaChildren(parts) : [parts.hdlr!, parts.pitm!, parts.iinf!, parts.iref!, parts.iprp!]).flat();
}

function brandsOf(spec: HeifSpec): number[] {
  const [major = "avif", ...compatible] = spec.brands ?? ["avif", "mif1", "avif", "miaf"];
  return ftyp(major, ...compatible);
}

function heif(spec: HeifSpec = {}): Uint8Array {
  return bytesOf(brandsOf(spec), fullBox("meta", 0, 0, metaChildren(spec)), box("mdat", [1, 2, 3, 4]));
}

// --- GIF builders --------------------------------------------------------------------------------------

const GCE_TRANSPARENT = [0x21, 0xf9, 4, 0x01, 0, 0, 0, 0];
/** An image descriptor with a 2-entry local colour table and one data sub-block. */
const gifFrame = (w: number, h: number, interlaced: boolean): number[] => [
  0x2c, ...le16(0), ...le16(0), ...le16(w), ...le16(h), 0x80 | (interlaced ? 0x40 : 0), 0, 0, 0, 255, 255, 255,
  2, 2, 0x4c, 0x01, 0,
];

function gif(screen: [number, number], ...blocks: (number[] | Uint8Array)[]): Uint8Array {
  // Global colour table of 4 entries (packed: flag | size 1 → 2^(1+1) entries).
  return bytesOf(text("GIF89a"), le16(screen[0]), le16(screen[1]), [0x81, 0, 0], Array<number>(12).fill(0), ...blocks, [0x3b]);
}

// --- fixtures ------------------------------------------------------------------------------------------

const base = { orientation: 1, interlaced: false, hasAlpha: false, bitsPerChannel: 8, animated: false };
const jpegOf = (w: number, h: number, extra: Partial<ProbeResult>): ProbeResult => ({
  ...base, format: "jpeg", width: w, height: h, sampling: "4:2:0", quality: null, depth: 24, colorspace: "YCbCr", ...extra,
});
const otherOf = (format: ProbeResult["format"], w: number, h: number, extra: Partial<ProbeResult> = {}): ProbeResult => ({
  ...base, format, width: w, height: h, sampling: null, quality: null, depth: 24, colorspace: "sRGB", ...extra,
});

const FIXTURES: Record<string, ProbeResult> = {
  "chelsea.jpg": jpegOf(451, 300, { quality: 90 }),
  "chelsea-progressive.jpg": jpegOf(451, 300, { quality: 75, interlaced: true, sampling: "4:4:4" }),
  "chelsea-orientation6.jpg": jpegOf(300, 451, { quality: 85, orientation: 6 }),
  // MozJPEG at 85 with its own (non-IJG) tables: the nearest IJG quality is 84.
  "astronaut.jpg": jpegOf(512, 512, { quality: 84, interlaced: true }),
  "camera-gray.jpg": jpegOf(256, 256, { quality: 85, sampling: null, depth: 8, colorspace: "Gray" }),
  // A camera file (JFIF + ICC); ImageMagick's estimate is also 96.
  "rocket.jpg": jpegOf(640, 427, { quality: 96, sampling: "4:4:4" }),
  "coffee.png": otherOf("png", 300, 200),
  "coffee-16bit.png": otherOf("png", 300, 200, { depth: 48, bitsPerChannel: 16 }),
  "logo.png": otherOf("png", 250, 250, { depth: 32, hasAlpha: true }),
  "palette-color.png": otherOf("png", 10, 10, { depth: 8 }),
  "chelsea.webp": otherOf("webp", 451, 300),
  "logo.webp": otherOf("webp", 250, 250, { depth: 32, hasAlpha: true }),
  "chelsea.avif": otherOf("avif", 451, 300),
  "logo.avif": otherOf("avif", 250, 250, { depth: 32, hasAlpha: true }),
};

describe("probe: committed fixtures", () => {
  for (const [name, expected] of Object.entries(FIXTURES)) {
    it(name, () => {
      expect(probe(fixture(name))).toEqual(expected);
    });
  }

  it("truncated.jpg is cut inside its Huffman tables: a 415 naming JPEG", () => {
    expect415(fixture("truncated.jpg"), /^The input is not a valid JPEG image: .*truncated inside segment 0xFFC4/);
  });

  it("sha1Hex gives 40 lowercase hex digits of SHA-1", async () => {
    expect(await sha1Hex(fixture("chelsea.jpg"))).toBe("2638cf41788d556344b48e1def7b643d220a3777");
    expect(await sha1Hex(fixture("logo.png"))).toBe("fca941a54f7ddac735edbd7e4e5c587bc6ceaea4");
    expect(await sha1Hex(new Uint8Array(0))).toBe("da39a3ee5e6b4b0d3255bfef95601890afd80709");
  });
});

// --- detection -----------------------------------------------------------------------------------------

describe("probe: what is not a supported image", () => {
  it("empty input", () => {
    expect415(new Uint8Array(0), /^The input is not a supported image: the input is empty$/);
  });

  it("unknown bytes", () => {
    expect415(bytesOf(text("hello world, this is not an image")), /^The input is not a supported image: unknown format$/);
  });

  it.each([
    ["TIFF little endian", bytesOf(text("II"), [42, 0, 8, 0, 0, 0]), /TIFF/],
    ["TIFF big endian", bytesOf(text("MM"), [0, 42, 0, 0, 0, 8]), /TIFF/],
    ["BMP", bytesOf(text("BM"), Array<number>(60).fill(0)), /BMP/],
    ["PDF", bytesOf(text("%PDF-1.7\n%")), /PDF/],
    ["JPEG XL codestream", bytesOf([0xff, 0x0a, 0xfa, 0x1f]), /JPEG XL/],
    ["JPEG XL container", bytesOf([0, 0, 0, 0x0c], text("JXL "), [0x0d, 0x0a, 0x87, 0x0a]), /JPEG XL/],
    ["JPEG XL in ftyp", bytesOf(ftyp("jxl ", "jxl ")), /JPEG XL/],
    ["SVG", bytesOf([0xef, 0xbb, 0xbf], text('\n  <?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>')), /SVG/],
    ["XML", bytesOf(text("<?xml version='1.0'?><root/>")), /XML/],
    ["HTML", bytesOf(text("<!DOCTYPE html><html><body>404</body></html>")), /HTML/],
    ["AVI", bytesOf(text("RIFF"), le32(4), text("AVI ")), /RIFF file that is not WebP/],
    ["HEIC brand", bytesOf(ftyp("heic", "mif1", "heic")), /HEIC/],
    ["HEIF whose primary item is HEVC", heif({ brands: ["mif1", "mif1"], items: [[1, "hvc1"]] }), /HEIC/],
    ["MP4 video", bytesOf(ftyp("isom", "isom", "mp41"), box("moov", [])), /ISO media file of brand "isom"/],
  ])("%s → 415 naming it", (_name, bytes, message) => {
    const err = rejection(bytes);
    expect(err.message).toMatch(/^The input is not a supported image: /);
    expect(err.message).toMatch(message);
  });

  it("never trusts anything but the bytes: a PNG body after a JPEG-like start is judged as JPEG", () => {
    expect415(bytesOf([0xff, 0xd8], PNG_SIGNATURE), /^The input is not a valid JPEG image: /);
  });
});

// --- JPEG ------------------------------------------------------------------------------------------------

describe("probe: JPEG headers", () => {
  it("estimates every IJG quality 1..100 exactly, with and without chroma tables", () => {
    for (let q = 1; q <= 100; q++) {
      const color = jpeg({ tables: segment(0xdb, [...dqt8(0, ijgTable(K1, q)), ...dqt8(1, ijgTable(K2, q))]) });
      const gray = jpeg({ components: [[1, 1, 1, 0]], tables: segment(0xdb, dqt8(0, ijgTable(K1, q))) });
      expect([probe(color).quality, probe(gray).quality]).toEqual([q, q]);
    }
  });

  it("reads 16-bit tables, several tables in one segment, and tables split over segments", () => {
    const one = jpeg({ tables: segment(0xdb, [...dqt16(0, ijgTable(K1, 30, 32767)), ...dqt16(1, ijgTable(K2, 30, 32767))]) });
    expect(probe(one).quality).toBe(30);
    const split = jpeg({ tables: [...segment(0xdb, dqt8(1, ijgTable(K2, 55))), ...segment(0xdb, dqt8(0, ijgTable(K1, 55)))] });
    expect(probe(split).quality).toBe(55);
  });

  it("uses the tables the components point to", () => {
    const tables = segment(0xdb, [...dqt8(2, ijgTable(K1, 70)), ...dqt8(3, ijgTable(K2, 70)), ...dqt8(0, ijgTable(K1, 10))]);
    expect(probe(jpeg({ tables, components: [[1, 2, 2, 2], [2, 1, 1, 3], [3, 1, 1, 3]] })).quality).toBe(70);
  });

  it.each([
    [[2, 2], "4:2:0"],
    [[2, 1], "4:2:2"],
    [[1, 2], "4:4:0"],
    [[4, 1], "4:1:1"],
    [[1, 1], "4:4:4"],
  ] as const)("sampling factors %j → %s", ([h, v], expected) => {
    expect(probe(jpeg({ components: [[1, h, v, 0], [2, 1, 1, 1], [3, 1, 1, 1]] })).sampling).toBe(expected);
  });

  it("progressive and other frame types", () => {
    expect(probe(jpeg({ marker: 0xc2 })).interlaced).toBe(true);
    expect(probe(jpeg({ marker: 0xca })).interlaced).toBe(true);
    expect(probe(jpeg({ marker: 0xc1 })).interlaced).toBe(false);
    expect(probe(jpeg({ marker: 0xc3 })).quality).toBeNull(); // lossless: no DCT quality
    const twelve = probe(jpeg({ marker: 0xc1, precision: 12 }));
    expect([twelve.bitsPerChannel, twelve.depth]).toEqual([12, 36]);
  });

  it("skips fill bytes, standalone markers, stray bytes and unknown segments", () => {
    const before = [0xff, 0xff, 0xff, 0x01, 0xff, 0xd3, 0x00, 0x17, ...segment(0xe5, text("junk")), ...segment(0xfe, text("comment")), 0xff];
    expect(probe(jpeg({ before, width: 65535, height: 65535 }))).toMatchObject({ width: 65535, height: 65535, quality: 80 });
  });

  it("EXIF orientation in both byte orders, SHORT or LONG, and ignores bad values", () => {
    const app1 = (block: number[]): number[] => segment(0xe1, [...text("Exif"), 0, 0, ...block]);
    expect(probe(jpeg({ before: app1(exifBlock(8, "II")) })).orientation).toBe(8);
    expect(probe(jpeg({ before: app1(exifBlock(3, "MM")) })).orientation).toBe(3);
    expect(probe(jpeg({ before: app1(exifBlock(5, "MM", 4)) })).orientation).toBe(5);
    expect(probe(jpeg({ before: app1(exifBlock(9, "II")) })).orientation).toBe(1);
    expect(probe(jpeg({ before: app1(exifBlock(6, "II", 3, 0x7ffffff0)) })).orientation).toBe(1);
    expect(probe(jpeg({ before: app1(exifBlock(6, "II").slice(0, 20)) })).orientation).toBe(1);
    // XMP in another APP1 is not EXIF; the first EXIF block wins.
    const xmp = segment(0xe1, text("http://ns.adobe.com/xap/1.0/\0<x/>"));
    expect(probe(jpeg({ before: [...xmp, ...app1(exifBlock(6, "MM")), ...app1(exifBlock(3, "MM"))] })).orientation).toBe(6);
  });

  it("colour spaces: gray, Adobe CMYK and YCCK, Adobe RGB, 'RGB' component ids", () => {
    const adobe = (transform: number): number[] => segment(0xee, [...text("Adobe"), 0, 100, 0, 0, 0, 0, transform]);
    const four: [number, number, number, number][] = [[1, 1, 1, 0], [2, 1, 1, 1], [3, 1, 1, 1], [4, 1, 1, 0]];
    expect(probe(jpeg({ before: adobe(2), components: four }))).toMatchObject({ colorspace: "YCCK", depth: 32, sampling: "4:4:4" });
    expect(probe(jpeg({ before: adobe(0), components: four }))).toMatchObject({ colorspace: "CMYK", depth: 32 });
    expect(probe(jpeg({ components: four })).colorspace).toBe("CMYK");
    expect(probe(jpeg({ before: adobe(0) })).colorspace).toBe("sRGB");
    expect(probe(jpeg({ before: adobe(1) })).colorspace).toBe("YCbCr");
    const rgbIds: [number, number, number, number][] = [[0x52, 1, 1, 0], [0x47, 1, 1, 0], [0x42, 1, 1, 0]];
    expect(probe(jpeg({ components: rgbIds })).colorspace).toBe("sRGB");
    expect(probe(jpeg({ components: [[1, 1, 1, 0]] }))).toMatchObject({ colorspace: "Gray", depth: 8, sampling: null });
  });

  it.each([
    ["no SOF before SOS", bytesOf([0xff, 0xd8], SOS_SEGMENT), /no frame header \(SOF\)/],
    ["zero width", jpeg({ width: 0 }), /size of 0x16/],
    ["zero height", jpeg({ height: 0 }), /size of 24x0/],
    ["EOI before SOS", bytesOf([0xff, 0xd8], sof({}), [0xff, 0xd9]), /EOI/],
    ["two components", jpeg({ components: [[1, 1, 1, 0], [2, 1, 1, 0]] }), /2 colour components/],
    ["sampling factor 0", jpeg({ components: [[1, 0, 1, 0]] }), /sampling factors 0x1/],
    ["two frame headers", jpeg({ before: sof({}) }), /more than one frame header/],
    ["segment length 1", bytesOf([0xff, 0xd8, 0xff, 0xe0, 0, 1]), /impossible length 1/],
    ["DQT precision 2", jpeg({ tables: segment(0xdb, [0x20, ...Array<number>(64).fill(1)]) }), /quantisation table/],
    ["only SOI", bytesOf([0xff, 0xd8]), /no SOS/],
    ["a second SOI", bytesOf([0xff, 0xd8, 0xff, 0xd8]), /second start-of-image/],
  ])("%s → 415", (_name, bytes, message) => {
    const err = rejection(bytes);
    expect(err.message).toMatch(/^The input is not a valid JPEG image: /);
    expect(err.message).toMatch(message);
  });
});

// --- PNG ---------------------------------------------------------------------------------------------------

describe("probe: PNG headers", () => {
  it("a header claiming 100000x100000 probes fine (the pixel limit is the caller's)", () => {
    expect(probe(png(ihdr(100000, 100000, 8, 2), IDAT))).toEqual(otherOf("png", 100000, 100000));
    expect(probe(png(ihdr(0x7fffffff, 1, 8, 2), IDAT)).width).toBe(0x7fffffff);
    expect415(png(ihdr(0x80000000, 1, 8, 2), IDAT), /not a valid PNG image: .*impossible size/);
    expect415(png(ihdr(0, 10, 8, 2), IDAT), /not a valid PNG image: .*size of 0x10/);
  });

  it("reads tRNS, acTL, Adam7 and eXIf (before or after the image data)", () => {
    const actl = chunk("acTL", [...be32(3), ...be32(0)]);
    const exif = chunk("eXIf", exifBlock(8, "MM"));
    const apng = probe(png(ihdr(40, 30, 8, 3, 1), chunk("PLTE", [0, 0, 0]), chunk("tRNS", [0]), actl, exif, IDAT, IEND));
    expect(apng).toEqual(otherOf("png", 40, 30, { interlaced: true, hasAlpha: true, animated: true, orientation: 8, depth: 8 }));
    expect(probe(png(ihdr(4, 4, 8, 2), IDAT, chunk("eXIf", exifBlock(6, "II")), IEND)).orientation).toBe(6);
    expect(probe(png(ihdr(4, 4, 8, 2), chunk("acTL", [...be32(1), ...be32(0)]), IDAT)).animated).toBe(false);
  });

  it("depth and colour space per colour type", () => {
    const of = (depth: number, type: number): Partial<ProbeResult> => {
      const r = probe(png(ihdr(2, 2, depth, type), IDAT));
      return { depth: r.depth, colorspace: r.colorspace, hasAlpha: r.hasAlpha, bitsPerChannel: r.bitsPerChannel };
    };
    expect(of(8, 0)).toEqual({ depth: 8, colorspace: "Gray", hasAlpha: false, bitsPerChannel: 8 });
    expect(of(1, 0)).toEqual({ depth: 1, colorspace: "Gray", hasAlpha: false, bitsPerChannel: 1 });
    expect(of(16, 4)).toEqual({ depth: 32, colorspace: "Gray", hasAlpha: true, bitsPerChannel: 16 });
    expect(of(16, 6)).toEqual({ depth: 64, colorspace: "sRGB", hasAlpha: true, bitsPerChannel: 16 });
    expect(of(4, 3)).toEqual({ depth: 4, colorspace: "sRGB", hasAlpha: false, bitsPerChannel: 8 });
  });

  it.each([
    ["IHDR length 12", png(chunk("IHDR", [...be32(1), ...be32(1), 8, 2, 0, 0], 12), IDAT), /IHDR chunk is 12 bytes long instead of 13/],
    ["IHDR length 14", png(chunk("IHDR", [...be32(1), ...be32(1), 8, 2, 0, 0, 0, 0]), IDAT), /IHDR chunk is 14 bytes/],
    ["no IHDR first", png(chunk("gAMA", be32(45455)), ihdr(1, 1)), /first chunk is "gAMA", not IHDR/],
    ["bit depth 16 with palette", png(ihdr(1, 1, 16, 3), IDAT), /bit depth 16 is not allowed with colour type 3/],
    ["colour type 5", png(ihdr(1, 1, 8, 5), IDAT), /colour type 5/],
    ["interlace 2", png(ihdr(1, 1, 8, 2, 2), IDAT), /interlace method 2/],
    ["IEND before IDAT", png(ihdr(1, 1), IEND), /IEND chunk comes before any image data/],
    ["no IDAT", png(ihdr(1, 1)), /ends before the image data/],
    ["chunk running past the end", png(ihdr(1, 1), chunk("tEXt", [1, 2, 3], 1000)), /truncated inside the "tEXt" chunk/],
    ["garbage chunk type", png(ihdr(1, 1), [0, 0, 0, 0, 1, 2, 3, 4, 0, 0, 0, 0], IDAT), /invalid type/],
    ["huge chunk length", png(ihdr(1, 1), [0xff, 0xff, 0xff, 0xff, ...text("tEXt")]), /claims 4294967295 bytes/],
    ["damaged signature", bytesOf([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x0a, 0x0a], ihdr(1, 1), IDAT), /signature is damaged/],
  ])("%s → 415", (_name, bytes, message) => {
    const err = rejection(bytes);
    expect(err.message).toMatch(/^The input is not a valid PNG image: /);
    expect(err.message).toMatch(message);
  });
});

// --- WebP ----------------------------------------------------------------------------------------------------

describe("probe: WebP headers", () => {
  it("VP8L: 14-bit sizes and the alpha hint", () => {
    expect(probe(webp(vp8l(16384, 3, true)))).toEqual(otherOf("webp", 16384, 3, { hasAlpha: true, depth: 32 }));
    expect(probe(webp(vp8l(1, 1, false)))).toEqual(otherOf("webp", 1, 1));
    expect415(webp(vp8l(1, 1, false, 1)), /not a valid WebP image: the VP8L version is 1/);
  });

  it("VP8X: canvas size, alpha and animation flags, EXIF orientation (with or without the Exif prefix)", () => {
    const anim = webp(vp8x(0x12, 16777216, 2), riffChunk("ANIM", [0, 0, 0, 0, 0, 0]));
    expect(probe(anim)).toEqual(otherOf("webp", 16777216, 2, { hasAlpha: true, depth: 32, animated: true }));
    const exif = webp(vp8x(0x08, 10, 10), riffChunk("ICCP", [1, 2, 3]), riffChunk("VP8L", [0x2f, 0, 0, 0, 0]), riffChunk("EXIF", exifBlock(6, "MM")));
    expect(probe(exif).orientation).toBe(6);
    const prefixed = webp(vp8x(0x08, 10, 10), riffChunk("EXIF", [...text("Exif"), 0, 0, ...exifBlock(7, "II")]));
    expect(probe(prefixed).orientation).toBe(7);
    expect(probe(webp(vp8x(0x00, 10, 10), riffChunk("EXIF", exifBlock(6, "MM")))).orientation).toBe(1); // flag not set
  });

  it.each([
    ["VP8 inter frame", webp(riffChunk("VP8 ", [0x01, 0, 0, 0x9d, 0x01, 0x2a, 10, 0, 10, 0])), /key frame/],
    ["VP8 without start code", webp(riffChunk("VP8 ", [0x00, 0, 0, 1, 2, 3, 10, 0, 10, 0])), /start code/],
    ["VP8 zero size", webp(riffChunk("VP8 ", [0x00, 0, 0, 0x9d, 0x01, 0x2a, 0, 0x40, 10, 0])), /size of 0x10/],
    ["unknown first chunk", webp(riffChunk("ALPH", [0, 0])), /first chunk is "ALPH"/],
    ["VP8X cut short", webp(riffChunk("VP8X", [0x10, 0, 0])), /truncated/],
    ["huge VP8X canvas", webp(vp8x(0, 16777216, 16777216)), /larger than WebP allows/],
  ])("%s → 415", (_name, bytes, message) => {
    const err = rejection(bytes);
    expect(err.message).toMatch(/^The input is not a valid WebP image: /);
    expect(err.message).toMatch(message);
  });
});

// --- AVIF ------------------------------------------------------------------------------------------------------

describe("probe: AVIF headers", () => {
  it("a minimal file: ispe size, pixi depth", () => {
    expect(probe(heif())).toEqual(otherOf("avif", 640, 480));
  });

  it("any positive 31-bit size probes; zero does not", () => {
    expect(probe(heif({ properties: [ispe(100000, 100000)], associations: [[1, [1]]] }))).toMatchObject({ width: 100000, height: 100000 });
    expect415(heif({ properties: [ispe(0, 5)], associations: [[1, [1]]] }), /not a valid AVIF image: .*size of 0x5/);
  });

  it("bit depth and channels from pixi, else av1C; monochrome is Gray", () => {
    expect(probe(heif({ properties: [av1C(10), ispe(8, 8), pixi(10, 10, 10)] }))).toMatchObject({ bitsPerChannel: 10, depth: 30 });
    expect(probe(heif({ properties: [av1C(12, true), ispe(8, 8)], associations: [[1, [1, 2]]] }))).toMatchObject({
      bitsPerChannel: 12, depth: 12, colorspace: "Gray",
    });
  });

  it("alpha: an auxiliary item with an alpha auxC (either URN) referencing the primary", () => {
    const withAlpha = (urn: string, auxl: [number, number][]): boolean =>
      probe(heif({
        items: [[1, "av01"], [2, "av01"]],
        properties: [av1C(8), ispe(8, 8), pixi(8, 8, 8), pixi(8), auxC(urn)],
        associations: [[1, [1, 2, 3]], [2, [1, 2, 4, 5]]],
        auxl,
      })).hasAlpha;
    expect(withAlpha(ALPHA_URN, [[2, 1]])).toBe(true);
    expect(withAlpha("urn:mpeg:hevc:2015:auxid:1", [[2, 1]])).toBe(true);
    expect(withAlpha("urn:mpeg:mpegB:cicp:systems:auxiliary:depth", [[2, 1]])).toBe(false);
    expect(withAlpha(ALPHA_URN, [])).toBe(false);
    expect(withAlpha(ALPHA_URN, [[2, 7]])).toBe(false); // auxiliary of another item
  });

  it.each([
    ["irot 1 (90° anticlockwise)", [irot(1)], 8],
    ["irot 2", [irot(2)], 3],
    ["irot 3", [irot(3)], 6],
    ["imir 0 (top-bottom)", [imir(0)], 4],
    ["imir 1 (left-right)", [imir(1)], 2],
    ["irot 1 then imir 0", [irot(1), imir(0)], 5],
    ["irot 1 then imir 1", [irot(1), imir(1)], 7],
    ["irot 2 then imir 0", [irot(2), imir(0)], 2],
    ["irot 2 then imir 1", [irot(2), imir(1)], 4],
    ["irot 3 then imir 0", [irot(3), imir(0)], 7],
    ["irot 3 then imir 1", [irot(3), imir(1)], 5],
    ["imir 1 then irot 1 (non-MIAF order)", [imir(1), irot(1)], 5],
    ["none", [], 1],
  ])("%s → EXIF orientation %i (our decoder does not apply irot/imir)", (_name, transforms, expected) => {
    const properties = [av1C(8), ispe(30, 20), pixi(8, 8, 8), ...transforms];
    const r = probe(heif({ properties, associations: [[1, properties.map((_, i) => i + 1)]] }));
    expect([r.width, r.height, r.orientation]).toEqual([30, 20, expected]);
  });

  it("64-bit box sizes, size 0 (to the end), uuid boxes and any child order", () => {
    const inner = [0, 0, 0, 0, ...metaChildren({})]; // version and flags, then the children
    const large = bytesOf(brandsOf({}), [0, 0, 0, 1], text("meta"), be32(0), be32(inner.length + 16), inner, be32(0), text("mdat"), [9, 9, 9]);
    expect(probe(large)).toMatchObject({ width: 640, height: 480 });
    const reordered = heif({ metaChildren: (p) => [box("uuid", Array<number>(16).fill(7), [1, 2]), p.iprp!, p.iinf!, p.pitm!, p.hdlr!] });
    expect(probe(reordered)).toMatchObject({ width: 640, height: 480 });
  });

  it("brands: avis is animated; plain mif1 needs an av01 item", () => {
    expect(probe(heif({ brands: ["avis", "avif", "avis", "msf1"] })).animated).toBe(true);
    expect(probe(heif({ brands: ["mif1", "mif1", "miaf"] })).format).toBe("avif");
    expect(probe(heif({ brands: ["mif1", "mif1"], items: [[1, "grid"], [2, "av01"]] })).format).toBe("avif");
    expect415(heif({ brands: ["mif1", "mif1"], items: [[1, "jpeg"]] }), /not a supported image: .*primary item is "jpeg"/);
  });

  it("an image sequence without meta takes its size from tkhd", () => {
    const tkhd = fullBox("tkhd", 0, 1, Array<number>(20).fill(0), Array<number>(52).fill(0), be32(320 * 65536), be32(240 * 65536));
    const seq = bytesOf(ftyp("avis", "avis", "msf1"), box("moov", box("mvhd", [0]), box("trak", tkhd)), box("mdat", [0]));
    expect(probe(seq)).toEqual(otherOf("avif", 320, 240, { animated: true }));
  });

  it.each([
    ["no pitm", heif({ primary: null }), /no primary item/],
    ["no ispe for the primary", heif({ associations: [[1, [1, 3]]] }), /no size \(ispe/],
    ["no meta", bytesOf(ftyp("avif", "avif"), box("mdat", [0])), /no meta box/],
    ["meta cut short", heif().subarray(0, 100), /truncated inside the "meta" box/],
    ["box smaller than its header", bytesOf(ftyp("avif", "avif"), [0, 0, 0, 4], text("meta")), /impossible size 4/],
    ["huge ipma entry count", heif({ metaChildren: (p) => [p.pitm!, p.iinf!, box("iprp", box("ipco", ispe(1, 1)), fullBox("ipma", 0, 0, be32(0xffffffff)))] }), /truncated/],
    ["huge 64-bit meta", bytesOf(ftyp("avif", "avif"), [0, 0, 0, 1], text("meta"), [0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]), /truncated inside the "meta" box/],
  ])("%s → 415", (_name, bytes, message) => {
    const err = rejection(bytes);
    expect(err.message).toMatch(/^The input is not a valid AVIF image: /);
    expect(err.message).toMatch(message);
  });
});

// --- GIF -------------------------------------------------------------------------------------------------------

describe("probe: GIF headers", () => {
  it("a hand-made two-frame interlaced GIF with a transparent colour", () => {
    const bytes = gif([7, 5], [0x21, 0xfe, 3, ...text("hi!"), 0], GCE_TRANSPARENT, gifFrame(7, 5, true), gifFrame(3, 2, false));
    expect(probe(bytes)).toEqual(otherOf("gif", 7, 5, { interlaced: true, animated: true, hasAlpha: true, depth: 8 }));
  });

  it("a single opaque frame; a zero logical screen takes the frame's size", () => {
    expect(probe(gif([9, 4], gifFrame(9, 4, false)))).toEqual(otherOf("gif", 9, 4, { depth: 8 }));
    expect(probe(gif([0, 0], gifFrame(6, 3, false)))).toMatchObject({ width: 6, height: 3 });
    expect(probe(bytesOf(text("GIF87a"), le16(2), le16(2), [0, 0, 0], gifFrame(2, 2, false)))).toMatchObject({ width: 2, animated: false });
  });

  it("is cut short after its first frame: still probes; before it: 415", () => {
    const full = gif([7, 5], gifFrame(7, 5, false), gifFrame(7, 5, false));
    const secondFrame = full.length - 1 - gifFrame(7, 5, false).length;
    expect(probe(full.subarray(0, secondFrame + 4)).animated).toBe(false); // inside the second descriptor
    expect(probe(full.subarray(0, secondFrame + 10)).animated).toBe(true); // its descriptor is complete
    expect415(gif([7, 5]), /not a valid GIF image: it contains no image/);
    expect415(bytesOf(text("GIF89a"), le16(7), le16(5), [0, 0, 0], [0x99]), /unexpected block 0x99/);
    expect415(bytesOf(text("GIF88a"), Array<number>(20).fill(0)), /unknown version "GIF88a"/);
  });
});

// --- hostile input ----------------------------------------------------------------------------------------------

describe("probe: random, truncated and mutated bytes end in a result or a 415", () => {
  it("200 random buffers of random lengths", () => {
    const random = prng(0x5eed);
    for (let i = 0; i < 200; i++) {
      const bytes = new Uint8Array(Math.floor(random() * 2048));
      for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(random() * 256);
      outcome(bytes);
    }
  });

  it("random bytes behind every supported signature", () => {
    const random = prng(42);
    const heads = [[0xff, 0xd8, 0xff], PNG_SIGNATURE, text("GIF89a"), [...text("RIFF"), 0xff, 0xff, 0, 0, ...text("WEBP")], [0, 0, 0, 0x18, ...text("ftypavif")], [0, 0, 0, 0x10, ...text("ftypmif1")]];
    for (const head of heads) {
      for (let i = 0; i < 100; i++) {
        const tail = Array.from({ length: Math.floor(random() * 512) }, () => Math.floor(random() * 256));
        outcome(bytesOf(head, tail));
      }
    }
  });

  it("fixtures with random bytes overwritten in their headers", () => {
    const random = prng(7);
    for (const name of Object.keys(FIXTURES)) {
      const original = fixture(name).subarray(0, 1500);
      for (let i = 0; i < 60; i++) {
        const bytes = original.slice();
        const flips = 1 + Math.floor(random() * 4);
        for (let k = 0; k < flips; k++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
        outcome(bytes);
      }
    }
  });

  it("bounded work on hostile structure: PNG chunk walks are capped", () => {
    const manyChunks = png(ihdr(1, 1), repeat(120_000, chunk("tEXt", [])), IDAT);
    expect415(manyChunks, /not a valid PNG image: it has too many chunks before the image data/);
    expect(probe(png(ihdr(1, 1), IDAT, repeat(120_000, chunk("tEXt", [])), chunk("eXIf", exifBlock(6, "MM")))).orientation).toBe(1);
  });

  it("bounded work on hostile structure: JPEG segments, ISO-BMFF boxes, GIF blocks", () => {
    expect415(bytesOf([0xff, 0xd8], repeat(20_000, [0xff, 0xe5, 0, 2]), SOS_SEGMENT), /too many segments/);
    expect415(bytesOf(ftyp("avif", "avif"), repeat(120_000, box("free", []))), /not a valid AVIF image: it has too many boxes/);
    const blocks = gif([1, 1], gifFrame(1, 1, false), repeat(250_000, [0x21, 0xfe, 0]), gifFrame(1, 1, false));
    expect(probe(blocks).animated).toBe(false); // the walk stopped at its cap, quietly
  });

  it("bounded work on hostile structure: a 256 KB auxiliary type string", () => {
    const longUrn = bytesOf(text(ALPHA_URN), new Uint8Array(1 << 18).fill(0x41)); // no terminating NUL
    const alpha = heif({
      items: [[1, "av01"], [2, "av01"]],
      properties: [av1C(8), ispe(8, 8), fullBox("auxC", 0, 0, [...longUrn])],
      associations: [[1, [1, 2]], [2, [1, 2, 3]]],
      auxl: [[2, 1]],
    });
    expect(probe(alpha).hasAlpha).toBe(false); // not the alpha URN once cut, and nothing overflowed
  });

  /** Every prefix shorter than `needed` is a 415; every longer prefix probes to the full file's result. */
  function checkPrefixes(name: string, upTo: number, needed: number): void {
    const full = fixture(name);
    const expected = probe(full);
    for (let n = 0; n <= Math.min(upTo, full.length); n++) {
      const result = outcome(full.subarray(0, n));
      if (n < needed) expect(result, `${name}[0..${n}]`).toBeInstanceOf(ApiError);
      else expect(result, `${name}[0..${n}]`).toEqual(expected);
    }
  }

  it("every prefix of chelsea.jpg's first 2 KB (the header ends with SOS at byte 354)", () => {
    checkPrefixes("chelsea.jpg", 2048, 354);
  });

  it("every prefix of the PNG, WebP and AVIF header regions", () => {
    checkPrefixes("logo.png", 400, 62); // up to the IDAT chunk header
    checkPrefixes("coffee-16bit.png", 200, 62);
    checkPrefixes("chelsea.webp", 200, 30); // RIFF + "VP8 " chunk header + 10-byte frame header
    checkPrefixes("logo.webp", 200, 30); // RIFF + VP8X
    checkPrefixes("chelsea.avif", 600, 242); // ftyp + the whole meta box
    checkPrefixes("logo.avif", 600, 396);
  });

  it("every prefix of a GIF and of a JPEG with EXIF", () => {
    const bytes = gif([7, 5], GCE_TRANSPARENT, gifFrame(7, 5, true), gifFrame(3, 2, false));
    for (let n = 0; n <= bytes.length; n++) outcome(bytes.subarray(0, n));
    const exifJpeg = fixture("chelsea-orientation6.jpg").subarray(0, 1200);
    for (let n = 0; n <= exifJpeg.length; n++) outcome(exifJpeg.subarray(0, n));
  });
});

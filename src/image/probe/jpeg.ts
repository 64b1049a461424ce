/**
 * JPEG header probe: walks the marker segments from SOI to the first SOS and reads the frame
 * header (SOF), quantisation tables (DQT), EXIF (APP1), JFIF (APP0) and Adobe (APP14) segments.
 * Entropy-coded data is never touched.
 */
import type { ProbeResult } from "../probe";
import { fail, need, startsWith, u16be, u8 } from "./bytes";
import { exifOrientation } from "./exif";
import { estimateQuality, fromZigzag, type QuantTable } from "./jpeg-quality";

interface Component {
  readonly id: number;
  readonly h: number;
  readonly v: number;
  readonly table: number;
}

interface Frame {
  readonly marker: number;
  readonly precision: number;
  readonly width: number;
  readonly height: number;
  readonly components: readonly Component[];
}

interface Header {
  frame?: Frame;
  readonly tables: Map<number, QuantTable>;
  orientation?: number;
  /** The Adobe APP14 transform flag: 0 none (RGB/CMYK), 1 YCbCr, 2 YCCK. */
  adobeTransform?: number;
  jfif: boolean;
}

const SOS = 0xda;
const DQT = 0xdb;
const APP0 = 0xe0;
const APP1 = 0xe1;
const APP14 = 0xee;
const EXIF_ID = [0x45, 0x78, 0x69, 0x66, 0, 0]; // "Exif\0\0"
/** Real files have tens of segments before SOS (a few hundred with a split ICC profile). */
const MAX_SEGMENTS = 10_000;

/** SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC). */
function isFrameMarker(m: number): boolean {
  return m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;
}

/** SOF2, SOF6, SOF10, SOF14. */
const isProgressive = (m: number): boolean => isFrameMarker(m) && (m & 0x03) === 0x02;
/** SOF3, SOF7, SOF11, SOF15: no DCT, so no quality to estimate. */
const isLossless = (m: number): boolean => isFrameMarker(m) && (m & 0x03) === 0x03;
/** Markers without a length: TEM and RST0..RST7. */
const isStandalone = (m: number): boolean => m === 0x01 || (m >= 0xd0 && m <= 0xd7);

export function probeJpeg(b: Uint8Array): ProbeResult {
  if (!startsWith(b, [0xff, 0xd8])) fail("it does not start with an SOI marker");
  const header = readHeader(b);
  const frame = header.frame;
  if (!frame) return fail("no frame header (SOF) before the scan (SOS)");
  const count = frame.components.length;
  return {
    format: "jpeg",
    width: frame.width,
    height: frame.height,
    orientation: header.orientation ?? 1,
    interlaced: isProgressive(frame.marker),
    sampling: sampling(frame.components),
    quality: quality(frame, header.tables),
    depth: frame.precision * count,
    colorspace: colorspace(header, frame.components),
    hasAlpha: false,
    bitsPerChannel: frame.precision,
    animated: false,
  };
}

/** Walks the segments up to and including SOS. */
function readHeader(b: Uint8Array): Header {
  const header: Header = { tables: new Map(), jfif: false };
  let pos = 2;
  for (let count = 0; ; count++) {
    if (count === MAX_SEGMENTS) fail("it has too many segments before the image data");
    const marker = nextMarker(b, pos);
    pos = marker.next;
    if (marker.code === 0xd8) fail("a second start-of-image marker appears before the image data");
    if (marker.code === 0xd9) fail("the file ends (EOI marker) before the image data");
    if (isStandalone(marker.code) || marker.code === 0x00) continue;
    const length = u16be(b, pos);
    if (length < 2) fail(`segment 0xFF${hex(marker.code)} has an impossible length ${length}`);
    if (pos + length > b.length) fail(`the data is truncated inside segment 0xFF${hex(marker.code)}`);
    readSegment(header, marker.code, b.subarray(pos + 2, pos + length));
    if (marker.code === SOS) return header;
    pos += length;
  }
}

/** Finds the next marker at or after `pos`: skips stray bytes and 0xFF fill bytes. */
function nextMarker(b: Uint8Array, pos: number): { code: number; next: number } {
  pos = b.indexOf(0xff, pos);
  if (pos < 0) pos = b.length;
  while (pos < b.length && b[pos] === 0xff) pos++;
  if (pos >= b.length) fail("the data ends before the image data (no SOS marker)");
  return { code: b[pos]!, next: pos + 1 };
}

function readSegment(header: Header, marker: number, seg: Uint8Array): void {
  if (isFrameMarker(marker)) {
    if (header.frame) fail("it has more than one frame header (SOF)");
    header.frame = readFrame(marker, seg);
  } else if (marker === DQT) {
    readTables(seg, header.tables);
  } else if (marker === SOS) {
    if (!header.frame) fail("no frame header (SOF) before the scan (SOS)");
  } else if (marker === APP1 && header.orientation === undefined && startsWith(seg, EXIF_ID)) {
    header.orientation = exifOrientation(seg.subarray(EXIF_ID.length));
  } else if (marker === APP0 && startsWith(seg, "JFIF\0")) {
    header.jfif = true;
  } else if (marker === APP14 && seg.length >= 12 && startsWith(seg, "Adobe")) {
    header.adobeTransform = seg[11];
  }
}

function readFrame(marker: number, seg: Uint8Array): Frame {
  const precision = u8(seg, 0);
  const height = u16be(seg, 1);
  const width = u16be(seg, 3);
  const count = u8(seg, 5);
  if (precision < 2 || precision > 16) fail(`the sample precision is ${precision} bits`);
  if (width === 0 || height === 0) fail(`the frame header gives a size of ${width}x${height}`);
  if (count !== 1 && count !== 3 && count !== 4) fail(`it has ${count} colour components (1, 3 or 4 are supported)`);
  need(seg, 6, count * 3);
  const components: Component[] = [];
  for (let i = 0; i < count; i++) {
    const o = 6 + i * 3;
    const h = seg[o + 1]! >> 4;
    const v = seg[o + 1]! & 0x0f;
    if (h < 1 || h > 4 || v < 1 || v > 4) fail(`component ${i + 1} has sampling factors ${h}x${v}`);
    components.push({ id: seg[o]!, h, v, table: seg[o + 2]! });
  }
  return { marker, precision, width, height, components };
}

/** One DQT segment may define several tables, each 8- or 16-bit. */
function readTables(seg: Uint8Array, tables: Map<number, QuantTable>): void {
  let pos = 0;
  while (pos < seg.length) {
    const pq = seg[pos]! >> 4;
    const id = seg[pos]! & 0x0f;
    if (pq > 1 || id > 3) fail(`a quantisation table has precision ${pq} and id ${id}`);
    const size = pq === 0 ? 1 : 2;
    need(seg, pos + 1, 64 * size);
    const zigzag: number[] = [];
    for (let k = 0; k < 64; k++) zigzag.push(size === 1 ? seg[pos + 1 + k]! : u16be(seg, pos + 1 + k * 2));
    tables.set(id, { values: fromZigzag(zigzag), bits: size === 1 ? 8 : 16 });
    pos += 1 + 64 * size;
  }
}

const SAMPLING: Readonly<Record<string, string>> = {
  "1x1": "4:4:4",
  "2x1": "4:2:2",
  "2x2": "4:2:0",
  "1x2": "4:4:0",
  "4x1": "4:1:1",
  "4x2": "4:1:0",
};

/** Chroma subsampling from the luma and chroma sampling factors; null for grayscale or odd layouts. */
function sampling(components: readonly Component[]): string | null {
  const [y, cb, cr] = components;
  if (!y || !cb || !cr) return null;
  if (cb.h !== cr.h || cb.v !== cr.v || y.h % cb.h !== 0 || y.v % cb.v !== 0) return null;
  return SAMPLING[`${y.h / cb.h}x${y.v / cb.v}`] ?? null;
}

function quality(frame: Frame, tables: ReadonlyMap<number, QuantTable>): number | null {
  if (isLossless(frame.marker)) return null;
  const [first, second] = frame.components;
  const luma = first ? tables.get(first.table) : undefined;
  if (!luma) return null;
  const chroma = second && second.table !== first!.table ? tables.get(second.table) : undefined;
  return estimateQuality(luma, chroma);
}

function colorspace(header: Header, components: readonly Component[]): string {
  if (components.length === 1) return "Gray";
  if (components.length === 4) return header.adobeTransform === 2 ? "YCCK" : "CMYK";
  if (header.adobeTransform === 0) return "sRGB";
  // libjpeg's rule for files with neither JFIF nor Adobe markers: component ids 'R','G','B' mean RGB.
  const ids = String.fromCharCode(...components.map((c) => c.id));
  if (header.adobeTransform === undefined && !header.jfif && ids === "RGB") return "sRGB";
  return "YCbCr";
}

function hex(code: number): string {
  return code.toString(16).toUpperCase().padStart(2, "0");
}


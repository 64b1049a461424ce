/**
 * PNG encoding in TypeScript over the platform's zlib (CompressionStream "deflate"), 8-bit samples
 * or packed palette indices. The layout is the smallest that holds the pixels exactly:
 * grey (type 0) when every pixel has R = G = B, grey + alpha (type 4), RGB (type 2) for other
 * opaque images, RGBA (type 6) otherwise; callers with ≤ 256 colours pass an indexed image
 * (type 3, 1/2/4/8-bit indices, tRNS for alpha). Rows are filtered either adaptively (per row the
 * filter — None, Sub, Up, Average, Paeth — with the smallest sum of absolute signed bytes, the
 * heuristic libpng uses) or not at all, and streamed into the compressor, so no second full-size
 * buffer of filtered bytes exists.
 */
import { concatBytes } from "../bytes";
import { isGrey, type Raster } from "../raster";
import { cannotEncode } from "./instance";
import { crc32 } from "./crc32";

/** PNG's own bound on each side. */
const MAX_SIDE = 0x7fffffff;

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export type PngFilters = "adaptive" | "none";

/** An image of palette indices: `palette` holds RGBA quadruples, at most 256 of them. */
export interface IndexedImage {
  width: number;
  height: number;
  indices: Uint8Array;
  palette: Uint8Array;
}

type ColourType = 0 | 2 | 3 | 4 | 6;

/** How rows are laid out in the file: colour type, bits per sample and bytes per packed row. */
interface Layout {
  colourType: ColourType;
  bitDepth: 1 | 2 | 4 | 8;
  /** Bytes per pixel for filtering (1 for packed indices). */
  bpp: number;
  stride: number;
  packRow(y: number, out: Uint8Array): void;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length + 12);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out, 4, 8 + data.length));
  return out;
}

function header(width: number, height: number, layout: Layout): Uint8Array {
  const data = new Uint8Array(13);
  const view = new DataView(data.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  data.set([layout.bitDepth, layout.colourType, 0, 0, 0], 8);
  return chunk("IHDR", data);
}

/** Samples per pixel kept from RGBA, by colour type: which byte offsets of a pixel are written. */
const SAMPLES: Readonly<Record<Exclude<ColourType, 3>, readonly number[]>> = { 0: [0], 2: [0, 1, 2], 4: [0, 3], 6: [0, 1, 2, 3] };

function directLayout(image: Raster): Layout {
  const grey = isGrey(image.data);
  const colourType: Exclude<ColourType, 3> = grey ? (image.opaque ? 0 : 4) : image.opaque ? 2 : 6;
  const samples = SAMPLES[colourType];
  const bpp = samples.length;
  const stride = image.width * bpp;
  return {
    colourType,
    bitDepth: 8,
    bpp,
    stride,
    packRow(y, out) {
      const start = y * image.width * 4;
      if (bpp === 4) {
        out.set(image.data.subarray(start, start + image.width * 4));
        return;
      }
      for (let x = 0, i = start, o = 0; x < image.width; x++, i += 4) {
        for (const s of samples) out[o++] = image.data[i + s]!;
      }
    },
  };
}

function indexBitDepth(colours: number): 1 | 2 | 4 | 8 {
  return colours <= 2 ? 1 : colours <= 4 ? 2 : colours <= 16 ? 4 : 8;
}

function indexedLayout(image: IndexedImage): Layout {
  const bitDepth = indexBitDepth(image.palette.length / 4);
  const perByte = 8 / bitDepth;
  const stride = Math.ceil(image.width / perByte);
  return {
    colourType: 3,
    bitDepth,
    bpp: 1,
    stride,
    packRow(y, out) {
      const row = image.indices.subarray(y * image.width, (y + 1) * image.width);
      if (bitDepth === 8) {
        out.set(row);
        return;
      }
      out.fill(0);
      for (let x = 0; x < row.length; x++) {
        const shift = 8 - bitDepth * ((x % perByte) + 1);
        const at = (x / perByte) | 0;
        out[at] = out[at]! | (row[x]! << shift);
      }
    },
  };
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Writes filter `type` of `row` (previous row `prev`, bytes per pixel `bpp`) into out[1..]; returns its cost. */
function applyFilter(type: number, row: Uint8Array, prev: Uint8Array, bpp: number, out: Uint8Array): number {
  out[0] = type;
  const n = row.length;
  switch (type) {
    case 0:
      out.set(row, 1);
      break;
    case 1:
      for (let i = 0; i < bpp; i++) out[i + 1] = row[i]!;
      for (let i = bpp; i < n; i++) out[i + 1] = row[i]! - row[i - bpp]!;
      break;
    case 2:
      for (let i = 0; i < n; i++) out[i + 1] = row[i]! - prev[i]!;
      break;
    case 3:
      for (let i = 0; i < bpp; i++) out[i + 1] = row[i]! - (prev[i]! >> 1);
      for (let i = bpp; i < n; i++) out[i + 1] = row[i]! - ((row[i - bpp]! + prev[i]!) >> 1);
      break;
    default:
      for (let i = 0; i < bpp; i++) out[i + 1] = row[i]! - prev[i]!;
      for (let i = bpp; i < n; i++) out[i + 1] = row[i]! - paeth(row[i - bpp]!, prev[i]!, prev[i - bpp]!);
  }
  let cost = 0;
  for (let i = 1; i <= n; i++) {
    const v = out[i]!;
    cost += v < 128 ? v : 256 - v;
  }
  return cost;
}

/** The filtered scanline with the smallest cost, as [filter byte, ...bytes]. */
function bestFilteredRow(row: Uint8Array, prev: Uint8Array, bpp: number, scratch: Uint8Array[]): Uint8Array {
  let best = 0;
  let bestCost = Infinity;
  for (let type = 0; type < 5; type++) {
    const cost = applyFilter(type, row, prev, bpp, scratch[type]!);
    if (cost < bestCost) {
      bestCost = cost;
      best = type;
    }
  }
  return scratch[best]!;
}

async function compressRows(height: number, layout: Layout, filters: PngFilters): Promise<Uint8Array> {
  const { stride, bpp } = layout;
  const stream = new CompressionStream("deflate");
  const writer = stream.writable.getWriter();
  const collected = new Response(stream.readable).arrayBuffer();
  let row = new Uint8Array(stride);
  let prev = new Uint8Array(stride);
  const scratch = Array.from({ length: 5 }, () => new Uint8Array(stride + 1));
  const batch = new Uint8Array(Math.max(stride + 1, 64 * 1024));
  let used = 0;
  for (let y = 0; y < height; y++) {
    layout.packRow(y, row);
    const filtered = filters === "adaptive" ? bestFilteredRow(row, prev, bpp, scratch) : (applyFilter(0, row, prev, bpp, scratch[0]!), scratch[0]!);
    if (used + filtered.length > batch.length) {
      await writer.write(batch.slice(0, used));
      used = 0;
    }
    batch.set(filtered, used);
    used += filtered.length;
    [row, prev] = [prev, row];
  }
  if (used > 0) await writer.write(batch.slice(0, used));
  await writer.close();
  return new Uint8Array(await collected);
}

function checkSize(width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > MAX_SIDE || height > MAX_SIDE) {
    throw cannotEncode("PNG", `impossible size ${width}×${height}`);
  }
}

/** PLTE (and tRNS up to the last non-opaque entry) for an indexed image. */
function paletteChunks(palette: Uint8Array): Uint8Array[] {
  const count = palette.length / 4;
  const rgb = new Uint8Array(count * 3);
  let lastTranslucent = -1;
  for (let i = 0; i < count; i++) {
    rgb.set(palette.subarray(i * 4, i * 4 + 3), i * 3);
    if (palette[i * 4 + 3] !== 255) lastTranslucent = i;
  }
  const chunks = [chunk("PLTE", rgb)];
  if (lastTranslucent >= 0) {
    const alphas = new Uint8Array(lastTranslucent + 1);
    for (let i = 0; i <= lastTranslucent; i++) alphas[i] = palette[i * 4 + 3]!;
    chunks.push(chunk("tRNS", alphas));
  }
  return chunks;
}

async function assemble(width: number, height: number, layout: Layout, extra: Uint8Array[], filters: PngFilters): Promise<Uint8Array> {
  const idat = chunk("IDAT", await compressRows(height, layout, filters));
  return concatBytes([new Uint8Array(SIGNATURE), header(width, height, layout), ...extra, idat, chunk("IEND", new Uint8Array(0))]);
}

/** A PNG of the raster in the smallest exact direct layout (grey, grey + alpha, RGB or RGBA). */
export async function writePng(image: Raster, filters: PngFilters = "adaptive"): Promise<Uint8Array> {
  const { width, height } = image;
  checkSize(width, height);
  if (image.data.length !== width * height * 4) throw cannotEncode("PNG", "pixel data does not match the size");
  return assemble(width, height, directLayout(image), [], filters);
}

/** A palette PNG (colour type 3) of an indexed image. */
export async function writeIndexedPng(image: IndexedImage, filters: PngFilters = "none"): Promise<Uint8Array> {
  const { width, height } = image;
  checkSize(width, height);
  const colours = image.palette.length / 4;
  if (colours < 1 || colours > 256 || !Number.isInteger(colours)) throw cannotEncode("PNG", `a palette of ${colours} colours`);
  if (image.indices.length !== width * height) throw cannotEncode("PNG", "index data does not match the size");
  return assemble(width, height, indexedLayout(image), paletteChunks(image.palette), filters);
}

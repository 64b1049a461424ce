/**
 * PNG encoding in TypeScript over the platform's zlib (CompressionStream "deflate"): truecolour
 * without alpha (colour type 2, 24 bits) for opaque images, with alpha (type 6, 32 bits)
 * otherwise, 8 bits per sample. Each row gets the filter (None, Sub, Up, Average, Paeth) with the
 * smallest sum of absolute signed bytes, the heuristic libpng's adaptive filtering uses. Rows are
 * streamed into the compressor, so no second full-size buffer of filtered bytes exists.
 */
import { concatBytes } from "../bytes";
import type { Raster } from "../raster";
import { cannotEncode } from "./instance";
import { crc32 } from "./crc32";

/** PNG's own bound on each side. */
const MAX_SIDE = 0x7fffffff;

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length + 12);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out, 4, 8 + data.length));
  return out;
}

function header(width: number, height: number, colourType: 2 | 6): Uint8Array {
  const data = new Uint8Array(13);
  const view = new DataView(data.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  data.set([8, colourType, 0, 0, 0], 8);
  return chunk("IHDR", data);
}

/** The raster's row y as packed samples (RGB or RGBA). */
function packRow(image: Raster, y: number, channels: 3 | 4, out: Uint8Array): void {
  const start = y * image.width * 4;
  if (channels === 4) {
    out.set(image.data.subarray(start, start + image.width * 4));
    return;
  }
  for (let x = 0, i = start, o = 0; x < image.width; x++, i += 4, o += 3) {
    out[o] = image.data[i]!;
    out[o + 1] = image.data[i + 1]!;
    out[o + 2] = image.data[i + 2]!;
  }
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

async function compressRows(image: Raster, channels: 3 | 4): Promise<Uint8Array> {
  const stride = image.width * channels;
  const stream = new CompressionStream("deflate");
  const writer = stream.writable.getWriter();
  const collected = new Response(stream.readable).arrayBuffer();
  let row = new Uint8Array(stride);
  let prev = new Uint8Array(stride);
  const scratch = Array.from({ length: 5 }, () => new Uint8Array(stride + 1));
  const batch = new Uint8Array(Math.max(stride + 1, 64 * 1024));
  let used = 0;
  for (let y = 0; y < image.height; y++) {
    packRow(image, y, channels, row);
    const filtered = bestFilteredRow(row, prev, channels, scratch);
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

export async function writePng(image: Raster): Promise<Uint8Array> {
  const { width, height } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > MAX_SIDE || height > MAX_SIDE) {
    throw cannotEncode("PNG", `impossible size ${width}×${height}`);
  }
  if (image.data.length !== width * height * 4) throw cannotEncode("PNG", "pixel data does not match the size");
  const channels = image.opaque ? 3 : 4;
  const idat = chunk("IDAT", await compressRows(image, channels));
  return concatBytes([new Uint8Array(SIGNATURE), header(image.width, image.height, channels === 3 ? 2 : 6), idat, chunk("IEND", new Uint8Array(0))]);
}

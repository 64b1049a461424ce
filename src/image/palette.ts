/**
 * Palettes for PNG: the exact palette of an image with few colours (lossless), and colour
 * quantisation to at most N colours (lossy) for the perceptual optimiser.
 *
 * Quantisation is median cut over a histogram of colours reduced to 5 bits per channel (and 3 bits
 * of alpha for transparent images), refined by two rounds of k-means over the histogram bins, then
 * every pixel takes the palette entry of its bin. No dithering: dither noise costs bytes in deflate
 * and the optimiser scores the result either way. Alpha is kept in three classes that never mix:
 * fully transparent pixels share one entry, opaque pixels map only to opaque entries, translucent
 * ones only to translucent entries — so an opaque area never turns slightly see-through.
 */
import type { IndexedImage } from "./codecs/png-writer";
import type { Raster } from "./raster";

/** The image's own colours when there are at most `max` of them (transparent ones first), else null. */
export function exactPalette(image: Raster, max = 256): IndexedImage | null {
  const bytes = image.data.byteOffset % 4 === 0 ? image.data : image.data.slice();
  const data = new Uint32Array(bytes.buffer, bytes.byteOffset, image.width * image.height); // little-endian: 0xAABBGGRR
  const slots = new Map<number, number>();
  const indices = new Uint8Array(data.length);
  let last = -1;
  let lastIndex = 0;
  for (let i = 0; i < data.length; i++) {
    const colour = data[i]!;
    if (colour !== last) {
      let index = slots.get(colour);
      if (index === undefined) {
        if (slots.size === max) return null;
        index = slots.size;
        slots.set(colour, index);
      }
      last = colour;
      lastIndex = index;
    }
    indices[i] = lastIndex;
  }
  return reorderTransparentFirst(image.width, image.height, indices, [...slots.keys()]);
}

/** Puts translucent entries first so the tRNS chunk stays short. */
function reorderTransparentFirst(width: number, height: number, indices: Uint8Array, colours: number[]): IndexedImage {
  const order = colours.map((colour, index) => ({ colour, index, alpha: colour >>> 24 }));
  order.sort((a, b) => (a.alpha === 255 ? 1 : 0) - (b.alpha === 255 ? 1 : 0) || a.index - b.index);
  const remap = new Uint8Array(colours.length);
  const palette = new Uint8Array(colours.length * 4);
  order.forEach((entry, position) => {
    remap[entry.index] = position;
    const c = entry.colour;
    palette.set([c & 255, (c >>> 8) & 255, (c >>> 16) & 255, c >>> 24], position * 4);
  });
  for (let i = 0; i < indices.length; i++) indices[i] = remap[indices[i]!]!;
  return { width, height, indices, palette };
}

// ---------------------------------------------------------------------------------------------

/** Occupied histogram bins: mean colour (RGBA) and pixel count. */
interface Bins {
  count: number;
  colour: Float32Array;
  weight: Float64Array;
  /** Bin key → bin number (or -1). */
  slot: Int32Array;
}

/** Alpha part of a bin key: 0 transparent, 1 opaque, 2–9 translucent in steps of 32. */
function alphaBin(a: number): number {
  return a === 0 ? 0 : a === 255 ? 1 : (a >> 5) + 2;
}

function binKey(data: Uint8ClampedArray, i: number, withAlpha: boolean): number {
  const a = data[i + 3]!;
  if (withAlpha && a === 0) return 0;
  const rgb = ((data[i]! >> 3) << 10) | ((data[i + 1]! >> 3) << 5) | (data[i + 2]! >> 3);
  return withAlpha ? (alphaBin(a) << 15) | rgb : rgb;
}

/** 0 transparent, 1 translucent, 2 opaque: bins and entries of different classes never mix. */
function alphaClass(alpha: number): number {
  return alpha <= 0 ? 0 : alpha >= 255 ? 2 : 1;
}

function histogram(image: Raster, withAlpha: boolean): Bins {
  const keys = withAlpha ? 10 << 15 : 1 << 15;
  const sums = new Float64Array(keys * 5);
  const { data } = image;
  for (let i = 0; i < data.length; i += 4) {
    const k = binKey(data, i, withAlpha) * 5;
    sums[k] = sums[k]! + data[i]!;
    sums[k + 1] = sums[k + 1]! + data[i + 1]!;
    sums[k + 2] = sums[k + 2]! + data[i + 2]!;
    sums[k + 3] = sums[k + 3]! + data[i + 3]!;
    sums[k + 4] = sums[k + 4]! + 1;
  }
  const slot = new Int32Array(keys).fill(-1);
  let count = 0;
  for (let k = 0; k < keys; k++) if (sums[k * 5 + 4]! > 0) slot[k] = count++;
  const colour = new Float32Array(count * 4);
  const weight = new Float64Array(count);
  for (let k = 0; k < keys; k++) {
    const b = slot[k]!;
    if (b < 0) continue;
    const n = sums[k * 5 + 4]!;
    weight[b] = n;
    for (let c = 0; c < 4; c++) colour[b * 4 + c] = sums[k * 5 + c]! / n;
  }
  return { count, colour, weight, slot };
}

interface Box {
  bins: number[];
  /** Weighted spread of the widest channel × pixels: which box to split next. */
  priority: number;
  channel: number;
}

function describe(bins: number[], h: Bins): Box {
  let best = 0;
  let channel = 0;
  let pixels = 0;
  for (const b of bins) pixels += h.weight[b]!;
  for (let c = 0; c < 4; c++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const b of bins) {
      const v = h.colour[b * 4 + c]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (hi - lo > best) {
      best = hi - lo;
      channel = c;
    }
  }
  return { bins, priority: bins.length > 1 ? best * Math.sqrt(pixels) : -1, channel };
}

/** Splits a box at the weighted median of its widest channel. */
function split(box: Box, h: Bins): [Box, Box] {
  const c = box.channel;
  const sorted = [...box.bins].sort((a, b) => h.colour[a * 4 + c]! - h.colour[b * 4 + c]!);
  let total = 0;
  for (const b of sorted) total += h.weight[b]!;
  let acc = 0;
  let cut = 1;
  for (; cut < sorted.length - 1; cut++) {
    acc += h.weight[sorted[cut - 1]!]!;
    if (acc >= total / 2) break;
  }
  return [describe(sorted.slice(0, cut), h), describe(sorted.slice(cut), h)];
}

function medianCut(h: Bins, colours: number): Float32Array {
  const classes: number[][] = [[], [], []];
  for (let b = 0; b < h.count; b++) classes[alphaClass(h.colour[b * 4 + 3]!)]!.push(b);
  const boxes = classes.filter((bins) => bins.length > 0).map((bins) => describe(bins, h));
  while (boxes.length < colours) {
    let pick = 0;
    for (let i = 1; i < boxes.length; i++) if (boxes[i]!.priority > boxes[pick]!.priority) pick = i;
    if (boxes[pick]!.priority < 0) break;
    const [a, b] = split(boxes[pick]!, h);
    boxes.splice(pick, 1, a, b);
  }
  const palette = new Float32Array(boxes.length * 4);
  boxes.forEach((box, i) => meanInto(box.bins, h, palette, i));
  return palette;
}

function meanInto(bins: readonly number[], h: Bins, palette: Float32Array, entry: number): void {
  let n = 0;
  const sum = [0, 0, 0, 0];
  for (const b of bins) {
    const w = h.weight[b]!;
    n += w;
    for (let c = 0; c < 4; c++) sum[c] = sum[c]! + h.colour[b * 4 + c]! * w;
  }
  if (n > 0) for (let c = 0; c < 4; c++) palette[entry * 4 + c] = sum[c]! / n;
}

function nearest(h: Bins, b: number, palette: Float32Array): number {
  let best = 0;
  let bestDistance = Infinity;
  const binClass = alphaClass(h.colour[b * 4 + 3]!);
  for (let p = 0; p < palette.length / 4; p++) {
    if (alphaClass(palette[p * 4 + 3]!) !== binClass) continue;
    let d = 0;
    for (let c = 0; c < 4; c++) {
      const diff = h.colour[b * 4 + c]! - palette[p * 4 + c]!;
      d += diff * diff;
    }
    if (d < bestDistance) {
      bestDistance = d;
      best = p;
    }
  }
  return best;
}

/** Two rounds of k-means over the bins; returns each bin's palette entry. */
function refine(h: Bins, palette: Float32Array): Uint8Array {
  const assignment = new Uint8Array(h.count);
  for (let round = 0; round < 3; round++) {
    for (let b = 0; b < h.count; b++) assignment[b] = nearest(h, b, palette);
    if (round === 2) break;
    const members: number[][] = Array.from({ length: palette.length / 4 }, () => []);
    for (let b = 0; b < h.count; b++) members[assignment[b]!]!.push(b);
    members.forEach((bins, entry) => meanInto(bins, h, palette, entry));
  }
  return assignment;
}

/** Quantises to at most `colours` (2–256) colours. */
export function quantize(image: Raster, colours: number): IndexedImage {
  const withAlpha = !image.opaque;
  const h = histogram(image, withAlpha);
  const palette = medianCut(h, colours);
  const assignment = refine(h, palette);
  const { data } = image;
  const indices = new Uint8Array(image.width * image.height);
  for (let i = 0, p = 0; i < data.length; i += 4, p++) indices[p] = assignment[h.slot[binKey(data, i, withAlpha)]!]!;
  const bytes = new Uint8Array(palette.length);
  for (let i = 0; i < palette.length; i++) bytes[i] = Math.round(palette[i]!);
  // Rounding must not move an entry across classes (e.g. alpha 254.6 → 255).
  for (let i = 3; i < bytes.length; i += 4) {
    const cls = alphaClass(palette[i]!);
    bytes[i] = cls === 0 ? 0 : cls === 2 ? 255 : Math.min(254, Math.max(1, bytes[i]!));
  }
  return { width: image.width, height: image.height, indices, palette: bytes };
}

/** The raster an indexed image stands for (to score a quantised candidate). */
export function expandIndexed(image: IndexedImage): Raster {
  const data = new Uint8ClampedArray(image.width * image.height * 4);
  let opaque = true;
  for (let i = 0; i < image.indices.length; i++) {
    const e = image.indices[i]! * 4;
    data[i * 4] = image.palette[e]!;
    data[i * 4 + 1] = image.palette[e + 1]!;
    data[i * 4 + 2] = image.palette[e + 2]!;
    const a = image.palette[e + 3]!;
    data[i * 4 + 3] = a;
    if (a !== 255) opaque = false;
  }
  return { width: image.width, height: image.height, data, opaque };
}

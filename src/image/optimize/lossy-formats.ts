/**
 * The lossy encoders the quality search drives, each with its quality range and a prior: where to
 * start for a target score and the score gained per quality step there. The priors come from
 * sweeping every quality on the benchmark photos (docs/optimization.md); a wrong prior costs
 * encodes, never the target.
 */
import { encodeAv1Avif } from "../codecs/av1";
import * as avif from "../codecs/avif";
import * as jpeg from "../codecs/jpeg";
import { decodeScaled } from "../codecs/jpeg-turbo";
import * as webp from "../codecs/webp";
import { isGrey, type Raster } from "../raster";
import { asStrips, materialise, rasterStrips, type Picture, type StripSource } from "../strips";
import { probe } from "../probe";
import type { SearchSpace } from "./search";

export type LossyFormat = "jpeg" | "webp" | "avif";

export interface LossyEncoder {
  format: LossyFormat;
  space(target: number): SearchSpace;
  /** The full-size encode, fed strip by strip. */
  encode(image: Picture, quality: number): Promise<Uint8Array>;
  /**
   * A faster encode for the search on a proxy of a large image, whose pixels score about the same
   * and whose size is about the same (the full-size output is made with `encode` and scored again).
   */
  proxyEncode?(image: Raster, quality: number): Promise<Uint8Array>;
  decode(bytes: Uint8Array): Promise<Raster>;
  /** The same decode as strips, for scoring tiles of a full-size output without its whole raster. */
  decodeStrips(bytes: Uint8Array): StripSource;
  /**
   * The same encoder keeping more chroma (JPEG and AVIF: 4:4:4; WebP, 4:2:0 only: sharp YUV), for
   * images whose subsampled chroma caps the score.
   */
  chromaAlternative?: ChromaAlternative;
}

/**
 * When a 4:2:0 search needs quality `above` or more (or cannot reach the target at all), the image
 * is limited by its subsampled chroma (fine coloured detail: star fields, saturated edges), and the
 * fuller-chroma encoder is searched too, starting `offset` qualities lower; the smaller passing file
 * wins. Measured on the benchmark set at 80 (docs/optimization.md): every image whose 4:2:0 JPEG
 * needed quality 98 or more took 0.59–0.65× the bytes in 4:4:4, every image at 91 or under more
 * bytes; AVIF from quality 93 took 0.39–0.66×, at 79 and under between 0.87× and 1.11×. Plain WebP
 * could not reach 80 on the three chroma-limited photos at all; with sharp YUV they pass at 88–91.
 */
export interface ChromaAlternative {
  encoder: LossyEncoder;
  above: number;
  offset: number;
}

/** Linear interpolation of a prior table keyed by target score. */
function prior(table: ReadonlyArray<readonly [target: number, start: number, slope: number]>, target: number, min: number, max: number): SearchSpace {
  const sorted = [...table].sort((a, b) => a[0] - b[0]);
  let lo = sorted[0]!;
  let hi = sorted[sorted.length - 1]!;
  for (const row of sorted) {
    if (row[0] <= target) lo = row;
    if (row[0] >= target && hi[0] >= row[0]) hi = row;
  }
  const t = hi[0] === lo[0] ? 0 : (target - lo[0]) / (hi[0] - lo[0]);
  return { min, max, start: Math.round(lo[1] + t * (hi[1] - lo[1])), slope: lo[2] + t * (hi[2] - lo[2]) };
}

/**
 * MozJPEG (progressive, trellis, optimised Huffman). 4:4:4 chroma for the visually lossless target;
 * 4:2:0 below it, with 4:4:4 as the alternative for chroma-limited images.
 */
export function jpegEncoder(target: number, progressive: boolean, sampling: "4:2:0" | "4:4:4" = target >= 90 ? "4:4:4" : "4:2:0"): LossyEncoder {
  const encoder: LossyEncoder = {
    format: "jpeg",
    space: (t) => prior([[70, 62, 0.6], [80, 78, 0.8], [90, 88, 1.0]], t, 5, 100),
    encode: async (image, quality) => jpeg.encode(await materialise(asStrips(image)), { quality, progressive, sampling }),
    // Baseline: the same trellis quantisation without the search for the best progressive scans,
    // in about half the time, with 0.1-1 % more bytes and nearly the same pixels.
    proxyEncode: (image, quality) => jpeg.encode(image, { quality, progressive: false, sampling }),
    decode: (bytes) => decodeScaled(bytes, 1),
    decodeStrips: (bytes) => lazyStrips(bytes, (b) => decodeScaled(b, 1)),
  };
  if (sampling === "4:2:0") encoder.chromaAlternative = { encoder: jpegEncoder(target, progressive, "4:4:4"), above: 95, offset: 9 };
  return encoder;
}

/**
 * libwebp method 4; sharp YUV (1.45× the encode time) only as the chroma-limited alternative, below
 * the visually lossless target (at 90 a WebP that lossy coding cannot bring there goes lossless).
 */
export function webpEncoder(target: number, sharpYuv = false): LossyEncoder {
  const encoder: LossyEncoder = {
    format: "webp",
    space: (t) => prior([[70, 62, 0.6], [80, 80, 0.7], [90, 92, 0.8]], t, 5, 100),
    encode: async (image, quality) => webp.encode(await materialise(asStrips(image)), { quality, sharpYuv }),
    decode: (bytes) => webp.decode(bytes),
    decodeStrips: (bytes) => lazyStrips(bytes, webp.decode),
  };
  if (!sharpYuv && target < 90) encoder.chromaAlternative = { encoder: webpEncoder(target, true), above: 95, offset: 10 };
  return encoder;
}

/**
 * AVIF at speed 6, a practical speed for a Worker. Opaque images go through libaom 3.12 with
 * tune=iq (codecs/av1.ts), always in 4:4:4 (monochrome for grey images): on the bench set at 80
 * its files took 0.83× the bytes of jSquash's libaom 3.7 searched in 4:2:0 and 4:4:4, and with
 * tune=iq 4:4:4 is the smaller layout on nearly every image, so there is no chroma alternative.
 * Images with alpha keep jSquash's encoder (libavif writes the alpha item), with chroma as for
 * JPEG (plain 4:2:0 conversion, no sharp YUV: see avif.ts). Quality maps to libaom's cq-level as
 * libavif maps it, so a quality means the same quantiser in both.
 */
export function avifEncoder(target: number, opaque = true, sampling: "4:2:0" | "4:4:4" = target >= 90 ? "4:4:4" : "4:2:0"): LossyEncoder {
  if (opaque) {
    return {
      format: "avif",
      space: (t) => prior([[70, 48, 0.9], [80, 60, 0.9], [90, 75, 0.8]], t, 5, 100),
      encode: async (source, quality) => {
        const image = await materialise(asStrips(source));
        return image.opaque ? encodeAv1Avif(image, { cqLevel: cqLevel(quality), speed: 6, layout: isGrey(image.data) ? "monochrome" : "4:4:4" }) : avif.encode(image, { quality, sampling: "4:4:4" });
      },
      decode: (bytes) => avif.decode(bytes),
      decodeStrips: (bytes) => lazyStrips(bytes, avif.decode),
    };
  }
  const encoder: LossyEncoder = {
    format: "avif",
    space: (t) => prior([[70, 48, 0.9], [80, 60, 0.9], [90, 75, 0.8]], t, 5, 100),
    encode: async (image, quality) => avif.encode(await materialise(asStrips(image)), { quality, sampling }),
    decode: (bytes) => avif.decode(bytes),
    decodeStrips: (bytes) => lazyStrips(bytes, avif.decode),
  };
  if (sampling === "4:2:0") encoder.chromaAlternative = { encoder: avifEncoder(target, false, "4:4:4"), above: 88, offset: 18 };
  return encoder;
}

/** libavif's quality → quantiser mapping: 100 → 0 (best), 0 → 63. */
function cqLevel(quality: number): number {
  return Math.floor(((100 - quality) * 63 + 50) / 100);
}

export function lossyEncoder(format: LossyFormat, target: number, progressive: boolean, opaque = true): LossyEncoder {
  return format === "jpeg" ? jpegEncoder(target, progressive) : format === "webp" ? webpEncoder(target) : avifEncoder(target, opaque);
}

/** A source that decodes whole on each pass (formats without a strip decoder yet). */
function lazyStrips(bytes: Uint8Array, decode: (bytes: Uint8Array) => Promise<Raster>): StripSource {
  const { width, height } = probe(bytes);
  return {
    width,
    height,
    opaque: false,
    async *strips() {
      yield* rasterStrips(await decode(bytes)).strips();
    },
  };
}

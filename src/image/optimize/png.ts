/**
 * PNG outputs. Lossless: the image's exact palette when it has at most 256 colours, else the
 * smallest exact direct layout (grey, RGB, ...), each written with adaptive filters and without
 * filters, keeping the smaller file. At a perceptual target: the fewest palette colours (256, 64,
 * 16, then the step between) whose quantised image still scores at least the target, when that
 * file is smaller than the lossless one; otherwise lossless.
 */
import { writeIndexedPng, writePng, type IndexedImage } from "../codecs/png-writer";
import { exactPalette, expandIndexed, quantize } from "../palette";
import type { Raster } from "../raster";
import { ssimulacra2 } from "../score/ssimulacra2";
import type { Encoded } from "./outcome";
import { makeProxy, mosaic } from "./proxy";

function smaller(a: Uint8Array, b: Uint8Array): Uint8Array {
  return b.length < a.length ? b : a;
}

async function indexedPng(image: IndexedImage): Promise<Uint8Array> {
  return smaller(await writeIndexedPng(image, "none"), await writeIndexedPng(image, "adaptive"));
}

async function lossless(image: Raster, palette: IndexedImage | null): Promise<Encoded> {
  const bytes = palette ? await indexedPng(palette) : smaller(await writePng(image, "adaptive"), await writePng(image, "none"));
  return { bytes, format: "png", quality: null, score: null, encodes: 2 };
}

export async function losslessPng(image: Raster): Promise<Encoded> {
  return lossless(image, exactPalette(image));
}

interface Quantised {
  colours: number;
  image: IndexedImage;
  score: number;
}

/** Palette sizes tried, in order, by what the previous one showed. */
function nextColours(tried: Quantised[], target: number): number | undefined {
  const passing = tried.filter((q) => q.score >= target).map((q) => q.colours);
  const failing = tried.filter((q) => q.score < target).map((q) => q.colours);
  const lowestPass = Math.min(...passing);
  const highestFail = Math.max(0, ...failing);
  if (!Number.isFinite(lowestPass)) return undefined; // 256 colours fail: lossless
  const next = highestFail === 0 ? lowestPass / 4 : Math.round(Math.sqrt(lowestPass * highestFail));
  if (next < 2 || next <= highestFail || next >= lowestPass || tried.some((q) => q.colours === next)) return undefined;
  return next;
}

export async function pngAtTarget(image: Raster, target: number): Promise<Encoded> {
  const palette = exactPalette(image);
  const exact = await lossless(image, palette);
  if (palette) return exact; // already ≤ 256 colours: lossless is the palette
  const proxy = makeProxy(image);
  const tried: Quantised[] = [];
  for (let colours: number | undefined = 256; colours !== undefined; colours = nextColours(tried, target)) {
    const indexed = quantize(image, colours);
    const score = await ssimulacra2(proxy.raster, mosaic(expandIndexed(indexed), proxy.tiles, proxy.columns));
    tried.push({ colours, image: indexed, score });
  }
  const passing = tried.filter((q) => q.score >= target).sort((a, b) => a.colours - b.colours)[0];
  if (!passing) return { ...exact, encodes: exact.encodes + tried.length };
  const bytes = await indexedPng(passing.image);
  if (bytes.length >= exact.bytes.length) return { ...exact, encodes: exact.encodes + tried.length + 2 };
  return { bytes, format: "png", quality: null, score: passing.score, encodes: exact.encodes + tried.length + 2 };
}

/**
 * Lossy encoding at a perceptual target (the presets) or at a fixed quality, scored with
 * SSIMULACRA2. Large images are searched on their proxy (proxy.ts), then encoded once at full size
 * with the quality found and scored again on the same tiles of the real output; when that score
 * falls short (encoders see whole images, not tiles) the quality steps up until it meets the target.
 * Nine tiles are a sample: on the benchmark's largest photo the tiles scored up to 1.9 points above
 * the whole image, so a proxied search aims PROXY_MARGIN above the target. An image whose 4:2:0
 * search ends at a very high quality is searched again keeping more chroma (ChromaAlternative:
 * 4:4:4 for JPEG and AVIF, sharp YUV for WebP).
 */
import { holdBytes } from "../memory-meter";
import { createScorer, type Ssimulacra2Scorer } from "../score/ssimulacra2";
import { asStrips, rasterOf, rasterStrips, type Picture, type StripSource } from "../strips";
import type { ChromaAlternative, LossyEncoder } from "./lossy-formats";
import type { Encoded } from "./outcome";
import { makeProxy, makeProxyFromStrips, mosaicOfStrips, type Proxy } from "./proxy";
import { searchQuality, type SearchResult, type Trial } from "./search";

/** Quality steps tried after a full-size encode that scores under the target on its tiles. */
const FULL_SIZE_RETRY_STEP = 3;
const FULL_SIZE_RETRIES = 3;

/** Extra score a search on a proxy aims for, so the whole image still meets the target. */
export const PROXY_MARGIN = 1.5;

/** Scores the same tiles of a full-size output against the proxy (read as the output decodes). */
async function scoreEncoded(found: ProxySearch, bytes: Uint8Array): Promise<number> {
  const { proxy, encoder, scorer } = found;
  return scorer.score(await mosaicOfStrips(encoder.decodeStrips(bytes), proxy.tiles, proxy.columns));
}

/** Encodes the proxy at `quality` (the faster proxy encode when it is a sample of tiles) and scores it. */
async function trial(proxy: Proxy, scorer: Ssimulacra2Scorer, encoder: LossyEncoder, quality: number): Promise<Trial> {
  const bytes = proxy.tiles.length > 0 && encoder.proxyEncode ? await encoder.proxyEncode(proxy.raster, quality) : await encoder.encode(rasterStrips(proxy.raster), quality);
  const decoded = await encoder.decode(bytes);
  return { quality, bytes, score: await scorer.score(decoded) };
}

export interface ProxySearch {
  proxy: Proxy;
  /** Scores candidates against the proxy; one instance for every trial. Dispose when done. */
  scorer: Ssimulacra2Scorer;
  encoder: LossyEncoder;
  /** The score aimed for: the target, plus PROXY_MARGIN when the proxy is a sample of tiles. */
  target: number;
  search: SearchResult;
  /** Encodes spent on the proxy, including a rejected chroma alternative's. */
  encodes: number;
}

/** An image's proxy and a scorer for it: made once, shared by every search on the image. */
export interface ProxyContext {
  proxy: Proxy;
  scorer: Ssimulacra2Scorer;
}

/** The proxy is cut from the raster when there is one, else collected in one pass of the strips. */
export async function proxyContext(picture: Picture): Promise<ProxyContext> {
  const image = asStrips(picture);
  const raster = rasterOf(image);
  const proxy = raster ? makeProxy(raster) : await makeProxyFromStrips(image);
  return { proxy, scorer: createScorer(proxy.raster) };
}

/**
 * The quality search on the image's proxy (the image itself when small). The context's scorer is
 * disposed by finishSearch, or by the caller when the search is not finished.
 */
export async function searchOnProxy(picture: Picture, encoder: LossyEncoder, target: number, context?: ProxyContext): Promise<ProxySearch> {
  const { proxy, scorer } = context ?? (await proxyContext(picture));
  const aim = proxy.tiles.length === 0 ? target : target + PROXY_MARGIN;
  const search = await searchQuality((q) => trial(proxy, scorer, encoder, q), aim, encoder.space(aim));
  const first: ProxySearch = { proxy, scorer, encoder, target: aim, search, encodes: search.trials.length };
  const alternative = encoder.chromaAlternative;
  return alternative && chromaLimited(first, alternative) ? withChromaAlternative(first, alternative) : first;
}

export function passes(found: ProxySearch): boolean {
  return found.search.best.score >= found.target;
}

/** Of two searches: the smaller passing result, else the passing one, else the higher score. */
function preferred(a: ProxySearch, b: ProxySearch): ProxySearch {
  if (passes(a) && passes(b)) return b.search.best.bytes.length < a.search.best.bytes.length ? b : a;
  if (passes(a) !== passes(b)) return passes(a) ? a : b;
  return b.search.best.score > a.search.best.score ? b : a;
}

function chromaLimited(found: ProxySearch, alternative: ChromaAlternative): boolean {
  return !passes(found) || found.search.best.quality >= alternative.above;
}

/** Searches the alternative encoder too and keeps the smaller passing result (else the higher score). */
async function withChromaAlternative(first: ProxySearch, alternative: ChromaAlternative): Promise<ProxySearch> {
  const { proxy, scorer, target } = first;
  const { encoder, offset } = alternative;
  const space = { ...encoder.space(target), start: first.search.best.quality - offset };
  const search = await searchQuality((q) => trial(proxy, scorer, encoder, q), target, space);
  const second: ProxySearch = { proxy, scorer, encoder, target, search, encodes: search.trials.length };
  return { ...preferred(first, second), encodes: first.encodes + second.encodes };
}

/** The full-size output for a finished search (the search's own bytes when the image was its proxy). */
export async function finishSearch(picture: Picture, found: ProxySearch): Promise<Encoded> {
  try {
    return await fullSize(asStrips(picture), found);
  } finally {
    found.scorer.dispose();
  }
}

async function fullSize(image: StripSource, found: ProxySearch): Promise<Encoded> {
  const { proxy, encoder, target, search } = found;
  let encodes = found.encodes;
  if (proxy.tiles.length === 0) return { bytes: search.best.bytes, format: encoder.format, quality: search.best.quality, score: search.best.score, encodes };
  let quality = search.best.quality;
  for (let attempt = 0; ; attempt++) {
    const bytes = await encoder.encode(image, quality);
    encodes++;
    const release = holdBytes(bytes.byteLength);
    const score = await scoreEncoded(found, bytes).finally(release);
    if (score >= target || attempt === FULL_SIZE_RETRIES || quality >= 100) return { bytes, format: encoder.format, quality, score, encodes };
    quality = Math.min(100, quality + FULL_SIZE_RETRY_STEP);
  }
}

/** The smallest output of `encoder` that scores at least `target`. */
export async function encodeAtTarget(image: Picture, encoder: LossyEncoder, target: number): Promise<Encoded> {
  return finishSearch(image, await searchOnProxy(image, encoder, target));
}

/**
 * One encode at the caller's quality. Not scored: the caller chose the quality, and a score costs
 * about half a second per megapixel, more than the encode itself.
 */
export async function encodeAtQuality(image: Picture, encoder: LossyEncoder, quality: number): Promise<Encoded> {
  return { bytes: await encoder.encode(image, quality), format: encoder.format, quality, score: null, encodes: 1 };
}

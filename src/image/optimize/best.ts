/**
 * `output.format: "best"`: the smallest of the candidate formats at the requested target.
 * Opaque images: JPEG, WebP and AVIF; images with transparency: WebP, AVIF and PNG; lossless:
 * PNG and WebP lossless (and the JPEG transcode of an untouched JPEG source). AVIF is left out when
 * the output is over the server's AVIF pixel limit. Each lossy candidate is searched on the proxy;
 * for an image that is its own proxy the candidates' real files are compared, for a larger image
 * the proxy files decide and only the winner is encoded at full size. Candidates that cannot reach
 * the target are left out; when none can, the smallest lossless candidate is the answer.
 */
import { asStrips, materialise, type Picture, type StripSource } from "../strips";
import { encodeLossless, losslessFits, type LosslessSource } from "./lossless";
import { finishSearch, passes, proxyContext, searchOnProxy, type ProxySearch } from "./lossy";
import { lossyEncoder, type LossyFormat } from "./lossy-formats";
import type { Encoded } from "./outcome";
import { pngAtTarget } from "./png";

export interface BestRequest {
  /** Null for lossless. */
  target: number | null;
  avifAllowed: boolean;
  source: LosslessSource;
}

function smallest(candidates: Encoded[]): Encoded {
  const encodes = candidates.reduce((sum, c) => sum + c.encodes, 0);
  const winner = candidates.reduce((a, b) => (b.bytes.length < a.bytes.length ? b : a));
  return { ...winner, encodes };
}

async function bestLossless(image: StripSource, source: LosslessSource): Promise<Encoded> {
  const candidates = [await encodeLossless(image, "png", source)];
  if (losslessFits("webp", image.width * image.height)) candidates.push(await encodeLossless(image, "webp", source));
  if (source.untouchedJpeg) candidates.push(await encodeLossless(image, "jpeg", source));
  return smallest(candidates);
}

export async function encodeBest(picture: Picture, request: BestRequest): Promise<Encoded> {
  const image = asStrips(picture);
  const { target, avifAllowed, source } = request;
  if (target === null) return bestLossless(image, source);
  const formats: LossyFormat[] = image.opaque ? ["jpeg", "webp"] : ["webp"];
  if (avifAllowed) formats.push("avif");
  // One proxy and one scorer for every candidate format.
  const context = await proxyContext(image);
  const searches: ProxySearch[] = [];
  for (const format of formats) searches.push(await searchOnProxy(image, lossyEncoder(format, target, source.progressive, image.opaque), target, context));
  const spent = searches.reduce((sum, s) => sum + s.encodes, 0);
  const reaching = searches.filter(passes);
  const lossy = reaching.length ? reaching.reduce((a, b) => (b.search.best.bytes.length < a.search.best.bytes.length ? b : a)) : undefined;
  if (!lossy) {
    context.scorer.dispose();
    const fallback = await bestLossless(image, source);
    return { ...fallback, encodes: fallback.encodes + spent };
  }
  const lossyResult = await finishSearch(image, lossy);
  const result = { ...lossyResult, encodes: lossyResult.encodes + spent - lossy.encodes };
  if (image.opaque) return result;
  return smallest([result, await pngAtTarget(await materialise(image), target)]);
}

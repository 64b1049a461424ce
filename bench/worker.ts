/**
 * The benchmark's Worker, run by bench/run.mjs in workerd:
 * - POST /process: the input image as the body (after the watermark's bytes when the plan has one,
 *   see attachWatermark), the request document (JSON) in X-Bench-Plan; runs
 *   the API's own processImage and answers with the output bytes, the time the processing took
 *   (X-Bench-Ms; Date.now advances during work in local workerd, unlike in production), the output
 *   facts (X-Bench-Output) and the encodes spent (X-Bench-Encodes).
 * - POST /score: two raw RGBA images of X-Width × X-Height back to back; answers the SSIMULACRA2
 *   score of the second against the first (the project's own scorer).
 * - POST /sweep: one raw RGBA image; encodes it with the optimiser's encoder for X-Format at every
 *   quality listed in X-Qualities and scores each at full size: the exhaustive-search oracle.
 * - POST /best: one raw RGBA image; the `best` format at the target score in X-Target: the output
 *   bytes, and its format, quality, score, encodes and time in X-Bench-Result.
 */
import { settings, type Env } from "../src/config";
import { processImage } from "../src/image/process";
import { parseDocument, type RequestPlan } from "../src/request/document";
import { decodeWatermark } from "../src/image/watermark-source";
import { toApiError } from "../src/errors";
import { ssimulacra2 } from "../src/image/score/ssimulacra2";
import { createRaster, scanOpaque, type Raster } from "../src/image/raster";
import { lossyEncoder, type LossyFormat } from "../src/image/optimize/lossy-formats";
import { encodeBest } from "../src/image/optimize/best";

function rasters(body: Uint8Array, request: Request, count: number): Raster[] {
  const width = Number(request.headers.get("X-Width"));
  const height = Number(request.headers.get("X-Height"));
  const size = width * height * 4;
  if (body.length !== size * count) throw new Error(`expected ${count} raw RGBA images of ${width}×${height}`);
  return Array.from({ length: count }, (_, i) => {
    const data = new Uint8ClampedArray(body.buffer, body.byteOffset + i * size, size);
    return createRaster(width, height, data, scanOpaque(data));
  });
}

/**
 * A watermark sent ahead of the input (its length in X-Bench-Watermark-Bytes), decoded before the
 * clock starts: in the service a used watermark sits decoded in the isolate's cache.
 */
async function attachWatermark(body: Uint8Array, request: Request, plan: RequestPlan): Promise<Uint8Array> {
  const length = Number(request.headers.get("X-Bench-Watermark-Bytes") ?? 0);
  if (!length || !plan.watermark) return body;
  const raster = await decodeWatermark(body.subarray(0, length));
  plan.watermark.image = { width: raster.width, height: raster.height, raster: async () => raster };
  return body.subarray(length);
}

async function processRoute(body: Uint8Array, request: Request, env: Env): Promise<Response> {
  const plan = parseDocument(JSON.parse(request.headers.get("X-Bench-Plan") ?? "{}"), "upload");
  const input = await attachWatermark(body, request, plan);
  const started = Date.now();
  const result = await processImage({ bytes: input, name: "bench" }, plan, settings(env), "bench");
  const ms = Date.now() - started;
  const headers = { "X-Bench-Ms": String(ms), "X-Bench-Output": JSON.stringify(result.output), "X-Bench-Encodes": String(result.encodes) };
  return new Response(result.bytes, { headers });
}

async function scoreRoute(body: Uint8Array, request: Request): Promise<Response> {
  const [reference, distorted] = rasters(body, request, 2);
  return Response.json({ score: await ssimulacra2(reference!, distorted!) });
}

async function sweepRoute(body: Uint8Array, request: Request): Promise<Response> {
  const [image] = rasters(body, request, 1);
  const format = request.headers.get("X-Format") as LossyFormat;
  const target = Number(request.headers.get("X-Target") ?? 80);
  const encoder = lossyEncoder(format, target, true);
  const qualities = (request.headers.get("X-Qualities") ?? "").split(",").map(Number);
  const rows = [];
  for (const quality of qualities) {
    const bytes = await encoder.encode(image!, quality);
    rows.push({ quality, bytes: bytes.length, score: await ssimulacra2(image!, await encoder.decode(bytes)) });
  }
  return Response.json(rows);
}

async function bestRoute(body: Uint8Array, request: Request): Promise<Response> {
  const [image] = rasters(body, request, 1);
  const started = Date.now();
  const result = await encodeBest(image!, { target: Number(request.headers.get("X-Target")), avifAllowed: true, source: { progressive: true } });
  const facts = { format: result.format, quality: result.quality, score: result.score, encodes: result.encodes, ms: Date.now() - started };
  return new Response(result.bytes, { headers: { "X-Bench-Result": JSON.stringify(facts) } });
}

const ROUTES: Record<string, (body: Uint8Array, request: Request, env: Env) => Promise<Response>> = {
  "/process": processRoute,
  "/score": scoreRoute,
  "/sweep": sweepRoute,
  "/best": bestRoute,
};

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    try {
      const route = ROUTES[new URL(request.url).pathname];
      if (!route) return new Response("not found", { status: 404 });
      return await route(new Uint8Array(await request.arrayBuffer()), request, env);
    } catch (err) {
      const failure = toApiError(err);
      return new Response(failure.message, { status: failure.status });
    }
  },
} satisfies ExportedHandler<Env>;

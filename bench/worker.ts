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
 *   X-Sampling (4:2:0 or 4:4:4) fixes the JPEG or AVIF chroma subsampling.
 * - POST /best: one raw RGBA image; the `best` format at the target score in X-Target: the output
 *   bytes, and its format, quality, score, encodes and time in X-Bench-Result.
 * - POST /memory: the input image as the body, the plan in X-Bench-Plan; runs X-Bench-Copies
 *   (default 1) processImage jobs at once on copies of it, as concurrent requests would, and
 *   answers JSON with the WASM memory of the instances they created and the sizes of the JS
 *   buffers it can account for (see memoryRoute).
 */
import { settings, type Env } from "../src/config";
import { processImage } from "../src/image/process";
import { parseDocument, type RequestPlan } from "../src/request/document";
import { decodeWatermark } from "../src/image/watermark-source";
import { toApiError } from "../src/errors";
import { ssimulacra2 } from "../src/image/score/ssimulacra2";
import { createRaster, scanOpaque, type Raster } from "../src/image/raster";
import { avifEncoder, jpegEncoder, lossyEncoder, type LossyFormat } from "../src/image/optimize/lossy-formats";
import { encodeBest } from "../src/image/optimize/best";
import { scaledSize } from "../src/image/codecs/jpeg-turbo";
import { probe } from "../src/image/probe";
import { jpegShrink } from "../src/image/shrink-on-load";
import { watchWasm } from "../test/worker/wasm-instances";
import { decodeScaled } from "../src/image/codecs/jpeg-turbo";
import { resize } from "../src/image/resample";
import { encode as encodeJpeg } from "../src/image/codecs/jpeg";
import { emscriptenInstance, GuardedCodec, releaseCodecs, type EmscriptenFactory } from "../src/image/codecs/instance";
import jsquashEncoderFactory from "@jsquash/jpeg/codec/enc/mozjpeg_enc.js";
import jsquashEncoderWasm from "@jsquash/jpeg/codec/enc/mozjpeg_enc.wasm";

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
  const sampling = request.headers.get("X-Sampling") as "4:2:0" | "4:4:4" | null;
  const encoder = sampling && format === "jpeg" ? jpegEncoder(target, true, sampling) : sampling && format === "avif" ? avifEncoder(target, false, sampling) : lossyEncoder(format, target, true);
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

/**
 * Memory of `copies` concurrent jobs. WASM: every instance the jobs created (jobs run one at a time
 * and codecs use a fresh instance per call, so `largest` is the peak once dropped instances are
 * collected; `total` is the bound if none were). JS: the buffers the pipeline is known to hold,
 * computed from sizes (not measured): every job's input bytes (waiting jobs hold theirs), one job's
 * decoded raster and resized raster, and every output. Not counted: the Worker's own heap (code,
 * parsed plans, a few MB), request/response stream buffers, garbage not yet collected.
 */
async function memoryRoute(body: Uint8Array, request: Request, env: Env): Promise<Response> {
  const copies = Number(request.headers.get("X-Bench-Copies") ?? 1);
  const document: unknown = JSON.parse(request.headers.get("X-Bench-Plan") ?? "{}");
  const inputs = Array.from({ length: copies }, () => body.slice());
  const run = (input: Uint8Array): ReturnType<typeof processImage> => processImage({ bytes: input, name: "bench" }, parseDocument(document, "upload"), settings(env), "bench");
  // Codec instances kept from earlier jobs would not be created (so not seen) by these: drop them.
  releaseCodecs();
  const { result, wasm } = await watchWasm(() => Promise.all(inputs.map(run)));
  const info = probe(body);
  const decoded = scaledSize(info.width, info.height, jpegShrink(info, parseDocument(document, "upload")));
  const output = result[0]!.output;
  const js = {
    inputs: copies * body.byteLength,
    decodedRaster: decoded.width * decoded.height * 4,
    resizedRaster: output.width * output.height * 4,
    outputs: result.reduce((sum, r) => sum + r.bytes.byteLength, 0),
  };
  const jsBytes = js.inputs + js.decodedRaster + js.resizedRaster + js.outputs;
  return Response.json({ copies, decoded, output: { width: output.width, height: output.height }, wasm, js, jsBytes, peakBytes: wasm.largest + jsBytes });
}

/**
 * Where the time of a JPEG → fit → JPEG job goes: the body is the JPEG, X-Width/X-Height the
 * output box, X-Quality the JPEG quality. Runs the three stages the pipeline runs (shrink-on-load
 * decode, Lanczos3 resize, MozJPEG encode) one after another, X-Runs times, and answers the median
 * milliseconds of each. With X-Compare-Encoders: 1 it also runs jSquash's MozJPEG 3.3.1 encoder
 * (the one the service used before wasm/mozjpeg) on the same raster right after ours in every run,
 * and reports its median, both file sizes and whether the files are identical.
 */
async function stagesRoute(body: Uint8Array, request: Request): Promise<Response> {
  const plan = parseDocument({ resize: { mode: "fit", width: Number(request.headers.get("X-Width")), height: Number(request.headers.get("X-Height")) } }, "upload");
  const info = probe(body);
  const jpegScale = jpegShrink(info, plan);
  const runs = Number(request.headers.get("X-Runs") ?? 5);
  const quality = Number(request.headers.get("X-Quality") ?? 80);
  const compare = request.headers.get("X-Compare-Encoders") === "1";
  const times: Record<"decode" | "resize" | "encode" | "jsquash", number[]> = { decode: [], resize: [], encode: [], jsquash: [] };
  let sizes: { ours: number; jsquash: number; identical: boolean } | undefined;
  const scale = Math.min(plan.resize!.width! / info.width, plan.resize!.height! / info.height);
  for (let i = 0; i <= runs; i++) {
    let t = Date.now();
    const decoded = await decodeScaled(body, jpegScale);
    const decodeMs = Date.now() - t;
    t = Date.now();
    const resized = await resize(decoded, Math.round(info.width * scale), Math.round(info.height * scale));
    const resizeMs = Date.now() - t;
    t = Date.now();
    const ours = await encodeJpeg(resized, { quality, progressive: true });
    const encodeMs = Date.now() - t;
    if (compare) {
      t = Date.now();
      const theirs = await encodeJsquash(resized, quality);
      if (i > 0) times.jsquash.push(Date.now() - t);
      sizes = { ours: ours.length, jsquash: theirs.length, identical: ours.length === theirs.length && ours.every((byte, k) => byte === theirs[k]) };
    }
    if (i === 0) continue; // warm-up
    times.decode.push(decodeMs);
    times.resize.push(resizeMs);
    times.encode.push(encodeMs);
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const jsquash = compare ? { encodeJsquash: median(times.jsquash), sizes } : {};
  return Response.json({ scale: jpegScale, decoded: scaledSize(info.width, info.height, jpegScale), decode: median(times.decode), resize: median(times.resize), encode: median(times.encode), ...jsquash });
}

interface JsquashEncoderApi {
  encode(data: Uint8ClampedArray, width: number, height: number, options: Record<string, number | boolean>): unknown;
}

const jsquashEncoder = new GuardedCodec("jsquash-jpeg-encoder", emscriptenInstance(jsquashEncoderFactory as EmscriptenFactory<JsquashEncoderApi>, jsquashEncoderWasm));

/** jSquash's encoder with the settings src/image/codecs/jpeg.ts gave it (progressive 4:2:0). */
async function encodeJsquash(image: Raster, quality: number): Promise<Uint8Array> {
  const settings = {
    quality, baseline: false, arithmetic: false, progressive: true, optimize_coding: true, smoothing: 0, color_space: 3, quant_table: 3,
    trellis_multipass: false, trellis_opt_zero: false, trellis_opt_table: false, trellis_loops: 1, auto_subsample: false, chroma_subsample: 2,
    separate_chroma_quality: false, chroma_quality: quality,
  };
  const out = await jsquashEncoder.run((api) => api.encode(image.data, image.width, image.height, settings));
  if (!(out instanceof Uint8Array)) throw new Error("jSquash's encoder returned no bytes");
  return out;
}

const ROUTES: Record<string, (body: Uint8Array, request: Request, env: Env) => Promise<Response>> = {
  "/process": processRoute,
  "/score": scoreRoute,
  "/sweep": sweepRoute,
  "/best": bestRoute,
  "/memory": memoryRoute,
  "/stages": stagesRoute,
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

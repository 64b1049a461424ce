// npm run bench (BENCH_ONLY=P1,P2,...,OPT,ORACLE,MEM,COST,STAGES,HTTP picks sections): our pipeline (the API's processImage, in workerd) against sharp (native libvips)
// on the same machine, same inputs, same output settings. Prints one table and writes
// bench/results/latest.json. Times are medians of RUNS runs after a warm-up, with min–max;
// quality is SSIM of each output against sharp's Lanczos3 resize of the raw source (no
// shrink-on-load), decoded by sharp.
import sharp from "sharp";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { unstable_startWorker } from "wrangler";
import { benchInputs } from "./lib/inputs.mjs";
import { optimizeBench, optimizeTable, oracleBench } from "./optimize.mjs";
import { memoryBench, memoryTable } from "./memory.mjs";
import { httpBench, httpTable } from "./http.mjs";
import { costBench, costTable } from "./cost.mjs";
import { stagesBench, stagesTable } from "./stages.mjs";
import { ssim } from "../test/worker/metrics.ts";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const FIXTURES = join(import.meta.dirname, "..", "test", "fixtures");
/** The classic sepia matrix (the one the filter step uses). */
const SEPIA = [
  [0.393, 0.769, 0.189],
  [0.349, 0.686, 0.168],
  [0.272, 0.534, 0.131],
];
sharp.cache(false);
sharp.concurrency(1);

const PIPELINES = [
  {
    id: "P1",
    name: "3840×2400 JPEG → fit 1200×800 → JPEG q80",
    input: "large",
    plan: { resize: { mode: "fit", width: 1200, height: 800 }, output: { format: "jpeg", quality: 80 } },
    sharp: (s) => s.resize(1200, 800, { fit: "cover", kernel: "lanczos3" }).jpeg({ quality: 80, mozjpeg: true, chromaSubsampling: "4:2:0", progressive: true }),
    reference: (s) => s.resize(1200, 800, { fit: "cover", kernel: "lanczos3", fastShrinkOnLoad: false }),
  },
  {
    id: "P2",
    name: "3840×2400 JPEG → fit 1200×800 → WebP q80",
    input: "large",
    plan: { resize: { mode: "fit", width: 1200, height: 800 }, output: { format: "webp", quality: 80 } },
    sharp: (s) => s.resize(1200, 800, { fit: "cover", kernel: "lanczos3" }).webp({ quality: 80 }),
    reference: (s) => s.resize(1200, 800, { fit: "cover", kernel: "lanczos3", fastShrinkOnLoad: false }),
  },
  {
    id: "P3",
    name: "3840×2400 JPEG → fit 1200×800 → AVIF q50 4:2:0",
    input: "large",
    plan: { resize: { mode: "fit", width: 1200, height: 800 }, output: { format: "avif", quality: 50 } },
    // sharp's AVIF default is 4:4:4; ours (the API's) is 4:2:0, so sharp is told the same layout.
    sharp: (s) => s.resize(1200, 800, { fit: "cover", kernel: "lanczos3" }).avif({ quality: 50, chromaSubsampling: "4:2:0" }),
    reference: (s) => s.resize(1200, 800, { fit: "cover", kernel: "lanczos3", fastShrinkOnLoad: false }),
  },
  {
    id: "P4",
    name: "3840×2400 JPEG → 400×400 cover → JPEG q80",
    input: "large",
    plan: { resize: { mode: "fit", width: 400, height: 400 }, output: { format: "jpeg", quality: 80 } },
    sharp: (s) => s.resize(400, 400, { fit: "cover", kernel: "lanczos3" }).jpeg({ quality: 80, mozjpeg: true, chromaSubsampling: "4:2:0", progressive: true }),
    reference: (s) => s.resize(400, 400, { fit: "cover", kernel: "lanczos3", fastShrinkOnLoad: false }),
  },
  {
    id: "P5",
    name: "800 px photo → JPEG q75",
    input: "photo800",
    plan: { output: { format: "jpeg", quality: 75 } },
    sharp: (s) => s.jpeg({ quality: 75, mozjpeg: true, chromaSubsampling: "4:2:0", progressive: true }),
    reference: (s) => s,
  },
  {
    id: "P6",
    name: "800 px PNG photo → lossless PNG (ours: optimize lossless; sharp: compressionLevel 9, adaptive filtering)",
    input: "png800",
    plan: { optimize: { compression: "lossless" }, output: { format: "png" } },
    sharp: (s) => s.png({ compressionLevel: 9, adaptiveFiltering: true }),
    reference: (s) => s,
  },
  {
    id: "P7",
    name: "6000×4000 JPEG → fit 1200×800 → JPEG q80",
    input: "huge",
    plan: { resize: { mode: "fit", width: 1200, height: 800 }, output: { format: "jpeg", quality: 80 } },
    sharp: (s) => s.resize(1200, 800, { fit: "cover", kernel: "lanczos3" }).jpeg({ quality: 80, mozjpeg: true, chromaSubsampling: "4:2:0", progressive: true }),
    reference: (s) => s.resize(1200, 800, { fit: "cover", kernel: "lanczos3", fastShrinkOnLoad: false }),
  },
  {
    id: "P9",
    name: "1920×1080 JPEG → fit 600×600 (centre) → JPEG q80: the baseline of P10",
    input: "faces1080",
    plan: { resize: { mode: "fit", width: 600, height: 600 }, output: { format: "jpeg", quality: 80 } },
    sharp: (s) => s.resize(600, 600, { fit: "cover", kernel: "lanczos3" }).jpeg({ quality: 80, mozjpeg: true, chromaSubsampling: "4:2:0", progressive: true }),
    reference: (s) => s.resize(600, 600, { fit: "cover", kernel: "lanczos3", fastShrinkOnLoad: false }),
  },
  {
    id: "P10",
    name: "1920×1080 JPEG → fit 600×600 gravity face → JPEG q80 (sharp: attention strategy; P10 − P9 is the cost of face detection)",
    input: "faces1080",
    plan: { resize: { mode: "fit", width: 600, height: 600, gravity: "face" }, output: { format: "jpeg", quality: 80 } },
    sharp: (s) => s.resize(600, 600, { fit: "cover", position: "attention", kernel: "lanczos3" }).jpeg({ quality: 80, mozjpeg: true, chromaSubsampling: "4:2:0", progressive: true }),
    reference: (s) => s.resize(600, 600, { fit: "cover", position: "attention", kernel: "lanczos3", fastShrinkOnLoad: false }),
    // Different crops (face vs attention): the SSIM columns compare unlike windows.
  },
  {
    id: "P8",
    name: "3840×2400 JPEG → fit 1200×800 + adjust + sepia + watermark → JPEG q80",
    input: "large",
    watermark: "logo.png",
    plan: {
      resize: { mode: "fit", width: 1200, height: 800 },
      adjust: { brightness: 10, saturation: 20 },
      filter: { sepia: true },
      watermark: { id: "bench", gravity: "bottom-right", padding: 20, scale: 0.2 },
      output: { format: "jpeg", quality: 80 },
    },
    // The same operations as sharp chains: brightness +10 mixes toward white by 10 % (linear 0.9x +
    // 25.5), saturation +20 scales each colour's distance from its Rec. 709 luma by 1.2 (a recomb),
    // then the sepia matrix, each step clipped to 8 bits as ours are; the watermark resized to 20 %
    // of the width, 20 px from the corner.
    sharp: async (s) => {
      const mark = await sharp(join(FIXTURES, "logo.png")).resize(240).toBuffer();
      const base = await adjustedLikeOurs(s.resize(1200, 800, { fit: "cover", kernel: "lanczos3" }));
      return base.composite([{ input: mark, left: 1200 - 240 - 20, top: 800 - 240 - 20 }]).jpeg({ quality: 80, mozjpeg: true, chromaSubsampling: "4:2:0", progressive: true });
    },
    reference: (s) => adjustedLikeOurs(s.resize(1200, 800, { fit: "cover", kernel: "lanczos3", fastShrinkOnLoad: false })),
  },
];

/** Colour × 1.2 around Rec. 709 luma, as a recomb matrix. */
const SATURATION = [0, 1, 2].map((row) => [0.2126, 0.7152, 0.0722].map((weight, column) => (row === column ? 1.2 : 0) - 0.2 * weight));

/** One sharp step to raw 8-bit pixels, read back as a new pipeline (so each step clips, as ours do). */
async function rawStep(image) {
  const { data, info } = await image.raw().toBuffer({ resolveWithObject: true });
  return sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } });
}

/** P8's adjust (brightness 10, saturation 20) and sepia filter, with our definitions (docs/image-operations.md). */
async function adjustedLikeOurs(image) {
  const brighter = await rawStep(image.linear(0.9, 25.5));
  const saturated = await rawStep(brighter.recomb(SATURATION));
  return rawStep(saturated.recomb(SEPIA));
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function raw(bytes, width, height) {
  const { data, info } = await sharp(bytes).resize(width, height, { fit: "fill" }).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.length), opaque: true };
}

/** The input, preceded by the watermark's bytes when the pipeline has one (X-Bench-Watermark-Bytes). */
function processBody(input, watermark) {
  if (!watermark) return { body: input, headers: {} };
  const mark = readFileSync(join(FIXTURES, watermark));
  const body = new Uint8Array(mark.length + input.length);
  body.set(mark);
  body.set(input, mark.length);
  return { body, headers: { "X-Bench-Watermark-Bytes": String(mark.length) } };
}

async function runOurs(worker, input, plan, watermark) {
  const { body, headers } = processBody(input, watermark);
  const res = await worker.fetch("http://bench/process", { method: "POST", body, headers: { ...headers, "X-Bench-Plan": JSON.stringify(plan) } });
  if (!res.ok) throw new Error(`ours failed: ${res.status} ${await res.text()}`);
  return { ms: Number(res.headers.get("X-Bench-Ms")), bytes: new Uint8Array(await res.arrayBuffer()) };
}

async function runSharp(pipeline, input) {
  const started = performance.now();
  const bytes = await (await pipeline.sharp(sharp(input))).toBuffer();
  return { ms: performance.now() - started, bytes: new Uint8Array(bytes) };
}

async function measure(worker, pipeline, input) {
  await runOurs(worker, input, pipeline.plan, pipeline.watermark);
  await runSharp(pipeline, input);
  const ours = [];
  const theirs = [];
  let last = {};
  for (let i = 0; i < RUNS; i++) {
    const a = await runOurs(worker, input, pipeline.plan, pipeline.watermark);
    const b = await runSharp(pipeline, input);
    ours.push(a.ms);
    theirs.push(b.ms);
    last = { ours: a.bytes, sharp: b.bytes };
  }
  const reference = await (await pipeline.reference(sharp(input))).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const ref = { width: reference.info.width, height: reference.info.height, data: new Uint8ClampedArray(reference.data.buffer, reference.data.byteOffset, reference.data.length), opaque: true };
  return {
    id: pipeline.id,
    name: pipeline.name,
    ours: { medianMs: median(ours), minMs: Math.min(...ours), maxMs: Math.max(...ours), bytes: last.ours.byteLength, ssim: ssim(await raw(last.ours, ref.width, ref.height), ref) },
    sharp: { medianMs: median(theirs), minMs: Math.min(...theirs), maxMs: Math.max(...theirs), bytes: last.sharp.byteLength, ssim: ssim(await raw(last.sharp, ref.width, ref.height), ref) },
    ratio: median(ours) / median(theirs),
    ssimOursVsSharp: ssim(await raw(last.ours, ref.width, ref.height), await raw(last.sharp, ref.width, ref.height)),
  };
}

function table(rows) {
  const fmt = (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
  const lines = [
    "| pipeline | ours ms (min–max) | sharp ms (min–max) | ratio | ours KB / SSIM | sharp KB / SSIM | SSIM ours vs sharp |",
    "|---|---|---|---|---|---|---|",
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.id} ${r.name} | ${fmt(r.ours.medianMs)} (${fmt(r.ours.minMs)}–${fmt(r.ours.maxMs)}) | ${fmt(r.sharp.medianMs)} (${fmt(r.sharp.minMs)}–${fmt(r.sharp.maxMs)}) | ${r.ratio.toFixed(2)}× | ${(r.ours.bytes / 1024).toFixed(1)} / ${r.ours.ssim.toFixed(4)} | ${(r.sharp.bytes / 1024).toFixed(1)} / ${r.sharp.ssim.toFixed(4)} | ${r.ssimOursVsSharp.toFixed(4)} |`,
    );
  }
  return lines.join("\n");
}

const inputs = await benchInputs();
const only = process.env.BENCH_ONLY?.split(",");
const worker = await unstable_startWorker({ config: join(import.meta.dirname, "wrangler.toml"), dev: { server: { port: 0 }, inspector: false, logLevel: "warn", watch: false } });
try {
  const rows = [];
  for (const pipeline of PIPELINES.filter((p) => !only || only.includes(p.id))) {
    rows.push(await measure(worker, pipeline, inputs[pipeline.input]));
    console.error(`${pipeline.id} done`);
  }
  const sections = [];
  if (rows.length) sections.push(table(rows));
  const optimize = !only || only.includes("OPT") ? await optimizeBench(worker) : undefined;
  const oracle = !only || only.includes("ORACLE") ? await oracleBench(worker) : undefined;
  const memory = !only || only.includes("MEM") ? await memoryBench(worker, inputs) : undefined;
  const cost = !only || only.includes("COST") ? await costBench(worker, inputs.photo1200, RUNS) : undefined;
  const stages = !only || only.includes("STAGES") ? await stagesBench(worker, inputs.large, RUNS) : undefined;
  const http = !only || only.includes("HTTP") ? await httpBench(inputs.large) : undefined;
  // Sections not run this time keep their previous results (each carries its own date).
  const file = join(import.meta.dirname, "results", "latest.json");
  const previous = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : {};
  const date = new Date().toISOString();
  const merged = [...(previous.rows ?? []).filter((r) => !rows.some((n) => n.id === r.id)), ...rows.map((r) => ({ ...r, date }))].sort((a, b) => a.id.localeCompare(b.id));
  const spotCheck = Boolean(process.env.BENCH_OPT_IMAGES);
  const optimizeResult = optimize && !spotCheck ? { date, ...optimize } : previous.optimize;
  // Formats the oracle did not sweep this time keep their previous results (each with its date).
  const oracleResult = oracle ? { ...previous.oracle, date, ...Object.fromEntries(Object.entries(oracle).map(([format, rows]) => [format, { ...rows, date }])) } : previous.oracle;
  if (optimize && spotCheck) sections.push(optimizeTable(optimize, undefined));
  else if (optimizeResult && (optimize || oracle)) sections.push(optimizeTable(optimizeResult, oracleResult));
  const memoryResult = memory ? { date, ...memory } : previous.memory;
  const httpResult = http ? { date, ...http } : previous.http;
  const costResult = cost ? { date, ...cost } : previous.cost;
  if (cost) sections.push(costTable(costResult));
  const stagesResult = stages ? { date, ...stages } : previous.stages;
  if (stages) sections.push(stagesTable(stagesResult));
  if (memory) sections.push(memoryTable(memoryResult));
  if (http) sections.push(httpTable(httpResult));
  console.log(sections.join("\n\n"));
  const results = { date, runs: RUNS, node: process.version, sharp: sharp.versions, rows: merged, optimize: optimizeResult, oracle: oracleResult, memory: memoryResult, http: httpResult, cost: costResult, stages: stagesResult };
  writeFileSync(file, JSON.stringify({ ...previous, ...results }, null, 2));
} finally {
  await worker.dispose();
}

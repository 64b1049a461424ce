// The perceptual-optimisation part of `npm run bench` (issue 5): on the set of bench/lib/
// optimize-set.mjs, for each preset and format, the API's own output (through processImage) against
// (a) sharp's defaults and (b) an exhaustive-search oracle over the same encoders; plus `best`, and
// the lossless modes. Every score here is SSIMULACRA2 of the full-size output against the source
// pixels, computed by the project's scorer in workerd (so the proxy the search may use is checked).
import sharp from "sharp";
import { optimizeSet } from "./lib/optimize-set.mjs";

const PRESETS = { low: 90, medium: 80, high: 70 };
const FORMATS = ["jpeg", "webp", "avif", "png", "best"];
const SHARP_DEFAULTS = {
  jpeg: (s) => s.jpeg({ quality: 80, mozjpeg: true }),
  webp: (s) => s.webp({ quality: 80 }),
  avif: (s) => s.avif({ quality: 50 }),
  png: (s) => s.png({ compressionLevel: 9 }),
};
const sum = (xs) => xs.reduce((a, b) => a + b, 0);
const mean = (xs) => sum(xs) / xs.length;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function rawOf(bytes) {
  const { data } = await sharp(bytes).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return new Uint8Array(data.buffer, data.byteOffset, data.length);
}

function rawHeaders(image, extra = {}) {
  return { "X-Width": String(image.width), "X-Height": String(image.height), ...extra };
}

async function post(worker, path, body, headers) {
  const res = await worker.fetch(`http://bench${path}`, { method: "POST", body, headers });
  if (!res.ok) throw new Error(`${path} failed: ${res.status} ${await res.text()}`);
  return res;
}

async function score(worker, image, bytes) {
  const distorted = await rawOf(bytes);
  const body = new Uint8Array(image.raw.length * 2);
  body.set(image.raw);
  body.set(distorted, image.raw.length);
  return (await (await post(worker, "/score", body, rawHeaders(image))).json()).score;
}

async function ours(worker, image, plan) {
  const res = await post(worker, "/process", image.png, { "X-Bench-Plan": JSON.stringify(plan) });
  const bytes = new Uint8Array(await res.arrayBuffer());
  const output = JSON.parse(res.headers.get("X-Bench-Output"));
  return { bytes, output, ms: Number(res.headers.get("X-Bench-Ms")), encodes: Number(res.headers.get("X-Bench-Encodes")) };
}

async function presets(worker, set) {
  const rows = [];
  for (const [preset, target] of Object.entries(PRESETS)) {
    for (const format of FORMATS) {
      const per = [];
      for (const image of set) {
        const r = await ours(worker, image, { optimize: { compression: preset }, output: { format } });
        const lossless = r.output.ssimulacra2 === undefined;
        per.push({ name: image.name, bytes: r.bytes.length, format: r.output.format, score: lossless ? 100 : await score(worker, image, r.bytes), reported: r.output.ssimulacra2 ?? null, encodes: r.encodes, ms: r.ms, quality: r.output.quality });
      }
      const scores = per.map((p) => p.score);
      rows.push({ preset, target, format, totalBytes: sum(per.map((p) => p.bytes)), meanScore: mean(scores), minScore: Math.min(...scores), encodesPerImage: mean(per.map((p) => p.encodes)), msPerImage: mean(per.map((p) => p.ms)), images: per });
      console.error(`optimize ${preset} ${format} done`);
    }
  }
  return rows;
}

async function sharpDefaults(worker, set) {
  const rows = {};
  for (const [format, encode] of Object.entries(SHARP_DEFAULTS)) {
    const per = [];
    for (const image of set) {
      const bytes = await encode(sharp(image.png)).toBuffer();
      per.push({ name: image.name, bytes: bytes.length, score: format === "png" ? 100 : await score(worker, image, bytes) });
    }
    rows[format] = { totalBytes: sum(per.map((p) => p.bytes)), meanScore: mean(per.map((p) => p.score)), minScore: Math.min(...per.map((p) => p.score)), images: per };
  }
  return rows;
}

/**
 * The oracle: for each image and target, the smallest file over every quality of the same encoder
 * the search drives, in both chroma layouts the search may use. Qualities below 30 (below 60 for
 * the 90 target) never reached 70 (90) on any photo here, so each sweep starts there. JPEG: 4:2:0
 * and 4:4:4 for 70 and 80, 4:4:4 for 90 (as the search does); AVIF, whose encodes are slow, every
 * 5th quality, then every quality just below the first passing one, in 4:2:0 and 4:4:4 for 70 and
 * 80 and 4:4:4 for 90; WebP is 4:2:0 only. BENCH_ORACLE_FORMATS=jpeg,... limits the formats
 * (results for the others are kept from the previous run).
 */
async function oracle(worker, set, formats) {
  const result = {};
  for (const format of formats) {
    result[format] = {};
    for (const preset of Object.keys(PRESETS)) result[format][preset] = [];
    for (const image of set) {
      const sweep = async (qualities, target, sampling) => {
        const headers = rawHeaders(image, { "X-Format": format, "X-Target": String(target), "X-Qualities": qualities.join(","), ...(sampling ? { "X-Sampling": sampling } : {}) });
        return (await (await post(worker, "/sweep", image.raw, headers)).json()).map((row) => ({ ...row, sampling: sampling ?? (format === "webp" ? "4:2:0" : undefined) }));
      };
      const avifSweep = async (target, sampling) => {
        const coarse = await sweep(range(20, 100, 5), target, sampling);
        const first = coarse.find((r) => r.score >= target)?.quality ?? 100;
        return [...coarse, ...(await sweep(range(Math.max(1, first - 4), first - 1, 1), target, sampling))];
      };
      const shared = format === "webp" ? await sweep(range(30, 100, 1), 80) : format === "jpeg" ? [...(await sweep(range(30, 100, 1), 80, "4:2:0")), ...(await sweep(range(30, 100, 1), 80, "4:4:4"))] : undefined;
      for (const [preset, target] of Object.entries(PRESETS)) {
        let rows;
        if (format === "avif") rows = target >= 90 ? await avifSweep(target, "4:4:4") : [...(await avifSweep(target, "4:2:0")), ...(await avifSweep(target, "4:4:4"))];
        else if (format === "jpeg" && target >= 90) rows = shared.filter((r) => r.sampling === "4:4:4" && r.quality >= 60);
        else rows = shared;
        const passing = rows.filter((r) => r.score >= target);
        const best = passing.length ? passing.reduce((a, b) => (b.bytes < a.bytes ? b : a)) : rows.reduce((a, b) => (b.score > a.score ? b : a));
        result[format][preset].push({ name: image.name, ...best });
      }
    }
    console.error(`oracle ${format} done`);
  }
  return result;
}

function range(from, to, step) {
  const out = [];
  for (let q = from; q <= to; q += step) out.push(q);
  return out;
}

/** `best` at the score sharp's JPEG q80 reached on each image. */
async function bestAtSharpScore(worker, set, sharpJpeg) {
  const per = [];
  for (const [i, image] of set.entries()) {
    const target = sharpJpeg.images[i].score;
    const res = await post(worker, "/best", image.raw, rawHeaders(image, { "X-Target": String(target) }));
    const bytes = new Uint8Array(await res.arrayBuffer());
    per.push({ name: image.name, target, bytes: bytes.length, score: await score(worker, image, bytes), ...JSON.parse(res.headers.get("X-Bench-Result")) });
  }
  return { totalBytes: sum(per.map((p) => p.bytes)), minMargin: Math.min(...per.map((p) => p.score - p.target)), images: per };
}

/** Lossless: camera-style JPEGs (libjpeg standard Huffman tables, baseline, EXIF) and PNG. */
async function lossless(worker, set) {
  const jpegs = [];
  for (const image of set.filter((i) => i.kind.includes("photo"))) {
    const camera = await sharp(image.png).jpeg({ quality: 92, optimiseCoding: false, mozjpeg: false }).withMetadata({ exif: { IFD0: { Make: "Bench", Model: "Camera" } } }).toBuffer();
    const r = await ours(worker, { png: new Uint8Array(camera) }, { optimize: { compression: "lossless" } });
    const identical = Buffer.compare(await rawOf(camera), await rawOf(r.bytes)) === 0;
    jpegs.push({ name: image.name, inputBytes: camera.length, outputBytes: r.bytes.length, saving: 1 - r.bytes.length / camera.length, identical });
  }
  const pngs = [];
  for (const image of set) {
    const r = await ours(worker, image, { optimize: { compression: "lossless" }, output: { format: "png" } });
    const identical = Buffer.compare(Buffer.from(image.raw), await rawOf(r.bytes)) === 0;
    const theirs = await sharp(image.png).png({ compressionLevel: 9 }).toBuffer();
    pngs.push({ name: image.name, ours: r.bytes.length, sharp: theirs.length, identical, ms: r.ms });
  }
  return {
    jpeg: { medianSaving: median(jpegs.map((j) => j.saving)), allIdentical: jpegs.every((j) => j.identical), images: jpegs },
    png: { ours: sum(pngs.map((p) => p.ours)), sharp: sum(pngs.map((p) => p.sharp)), allIdentical: pngs.every((p) => p.identical), images: pngs },
  };
}

function summarise(result) {
  const { set, presets: rows, sharp: sh, oracle: or, bestAtSharp, lossless: ll } = result;
  const kb = (b) => (b / 1024).toFixed(0);
  const lines = [
    `Optimisation set: ${set.length} images (${set.filter((i) => i.kind.includes("photo")).length} photos, ${set.filter((i) => i.kind === "graphic").length} graphics)`,
    "| preset | format | total KB | vs sharp default | vs oracle | mean / min SSIMULACRA2 | encodes / image | ms / image |",
    "|---|---|---|---|---|---|---|---|",
  ];
  for (const r of rows) {
    const sharpRow = sh[r.format === "best" ? "jpeg" : r.format];
    const oracleRows = or[r.format]?.[r.preset];
    const vsOracle = oracleRows ? (r.totalBytes / sum(oracleRows.map((o) => o.bytes))).toFixed(3) + "×" : "–";
    lines.push(`| ${r.preset} (${r.target}) | ${r.format} | ${kb(r.totalBytes)} | ${(r.totalBytes / sharpRow.totalBytes).toFixed(3)}× | ${vsOracle} | ${r.meanScore.toFixed(1)} / ${r.minScore.toFixed(1)} | ${r.encodesPerImage.toFixed(2)} | ${r.msPerImage.toFixed(0)} |`);
  }
  lines.push("", "| sharp default | total KB | mean / min SSIMULACRA2 |", "|---|---|---|");
  for (const [format, r] of Object.entries(sh)) lines.push(`| ${format} | ${kb(r.totalBytes)} | ${r.meanScore.toFixed(1)} / ${r.minScore.toFixed(1)} |`);
  lines.push(
    "",
    `best at each image's sharp-JPEG-q80 score: ${(bestAtSharp.totalBytes / sh.jpeg.totalBytes).toFixed(3)}× sharp's JPEG q80 bytes (worst margin ${bestAtSharp.minMargin.toFixed(2)})`,
    `lossless JPEG (camera-style): median saving ${(ll.jpeg.medianSaving * 100).toFixed(1)}%, pixel-identical: ${ll.jpeg.allIdentical}`,
    `lossless PNG: ${kb(ll.png.ours)} KB vs sharp compressionLevel 9 ${kb(ll.png.sharp)} KB (${(ll.png.ours / ll.png.sharp).toFixed(3)}×), pixel-identical: ${ll.png.allIdentical}`,
  );
  return lines.join("\n");
}

/**
 * Presets, sharp's defaults, best at sharp's scores and the lossless modes (section OPT).
 * BENCH_OPT_IMAGES=name,name limits the set (a spot check: then nothing is saved).
 */
export async function optimizeBench(worker) {
  const only = process.env.BENCH_OPT_IMAGES?.split(",");
  const set = (await optimizeSet()).filter((image) => !only || only.includes(image.name));
  const result = { set: set.map(({ name, kind, width, height }) => ({ name, kind, width, height })) };
  result.sharp = await sharpDefaults(worker, set);
  result.presets = await presets(worker, set);
  result.bestAtSharp = await bestAtSharpScore(worker, set, result.sharp.jpeg);
  result.lossless = await lossless(worker, set);
  return result;
}

/** The exhaustive-search oracle (section ORACLE): slow, so it can run on its own. */
export async function oracleBench(worker) {
  const formats = process.env.BENCH_ORACLE_FORMATS?.split(",") ?? ["jpeg", "webp", "avif"];
  return oracle(worker, await optimizeSet(), formats);
}

/** The printed table, once both sections have results (from this run or an earlier one). */
export function optimizeTable(result, oracleResult) {
  return summarise({ ...result, oracle: oracleResult ?? {} });
}

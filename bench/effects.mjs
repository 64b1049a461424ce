// Times each effect of `auto`, `adjust` and `filter` alone (no decode or encode) inside workerd
// (bench/effects-worker.ts), on photos of 1200×800, 2309×1732 (4.0 MP, the default pixel limit)
// and 3840×2400 made from bench/lib/inputs.mjs's tiled fixtures, and prints a Markdown table of
// medians (min–max) in ms. Run: node bench/effects.mjs  (EFFECTS_RUNS=9 for more runs). The
// numbers in docs/image-operations.md come from here.
import sharp from "sharp";
import { join } from "node:path";
import { unstable_startWorker } from "wrangler";
import { benchInputs } from "./lib/inputs.mjs";

const RUNS = Number(process.env.EFFECTS_RUNS ?? 5);

export const EFFECTS = [
  { name: "auto.enhance", document: { auto: { enhance: true } } },
  { name: "adjust tone (brightness+contrast+exposure+gamma, one table)", document: { adjust: { brightness: 10, contrast: 20, exposure: 10, gamma: 1.2 } } },
  { name: "adjust.saturation", document: { adjust: { saturation: 40 } } },
  { name: "adjust.vibrance", document: { adjust: { vibrance: 40 } } },
  { name: "adjust.hue", document: { adjust: { hue: 90 } } },
  { name: "adjust.unsharp 50", document: { adjust: { unsharp: 50 } } },
  { name: "adjust.unsharp 100", document: { adjust: { unsharp: 100 } } },
  { name: "adjust.clarity 50", document: { adjust: { clarity: 50 } } },
  { name: "filter.blur gaussian 1", document: { filter: { blur: { mode: "gaussian", value: 1 } } } },
  { name: "filter.blur gaussian 10", document: { filter: { blur: { mode: "gaussian", value: 10 } } } },
  { name: "filter.blur gaussian 100", document: { filter: { blur: { mode: "gaussian", value: 100 } } } },
  { name: "filter.blur box 10", document: { filter: { blur: { mode: "box", value: 10 } } } },
  { name: "filter.grayscale", document: { filter: { grayscale: true } } },
  { name: "filter.sepia", document: { filter: { sepia: true } } },
  { name: "filter.negative", document: { filter: { negative: true } } },
  { name: "filter.pixelate 16", document: { filter: { pixelate: 16 } } },
  { name: "filter.vignette 50", document: { filter: { vignette: 50 } } },
];

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const cell = (ms) => `${median(ms)} (${Math.min(...ms)}–${Math.max(...ms)})`;

const { large } = await benchInputs();
const medium = await sharp(large).resize(1200, 800).jpeg({ quality: 92 }).toBuffer();
const atLimit = await sharp(large).resize(2309, 1732, { fit: "fill" }).jpeg({ quality: 92 }).toBuffer(); // 4.0 MP, MAX_INPUT_PIXELS' default
const worker = await unstable_startWorker({
  entrypoint: join(import.meta.dirname, "effects-worker.ts"),
  compatibilityDate: "2026-10-01",
  dev: { server: { port: 0 }, inspector: false, logLevel: "warn" },
});
try {
  const sizes = [];
  for (const input of [medium, atLimit, large]) {
    const res = await worker.fetch("http://bench/effects", { method: "POST", body: input, headers: { "X-Effects": JSON.stringify(EFFECTS), "X-Runs": String(RUNS) } });
    if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
    sizes.push(await res.json());
  }
  console.log(`| effect | ${sizes.map((s) => `${s.width}×${s.height} ms`).join(" | ")} |`);
  console.log(`|---|${sizes.map(() => "---").join("|")}|`);
  EFFECTS.forEach((effect, i) => console.log(`| ${effect.name} | ${sizes.map((s) => cell(s.results[i].ms)).join(" | ")} |`));
} finally {
  await worker.dispose();
}

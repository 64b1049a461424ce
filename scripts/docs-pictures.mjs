// Regenerates the pictures of docs/operations.md: each example request is run by the API's own
// pipeline (the bench Worker, in workerd) on a committed fixture, and the output is written to
// docs/images/<name>.<ext>. Run: npx node scripts/docs-pictures.mjs  (or via npm run docs:pictures);
// name examples to make only those: node scripts/docs-pictures.mjs watermark
// Watermark examples run in scripts/lib/watermark-picture-worker.ts, which takes the watermark
// image from the request instead of an account's storage.
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import sharp from "sharp";
import { unstable_startWorker } from "wrangler";

const root = join(import.meta.dirname, "..");
const fixture = (name) => readFileSync(join(root, "test", "fixtures", name));

export const EXAMPLES = [
  { name: "original", file: "chelsea.jpg", plan: { output: { format: "jpeg", quality: 80 } } },
  { name: "resize-auto", file: "chelsea.jpg", plan: { resize: { mode: "auto", width: 200, height: 200 }, output: { format: "jpeg" } } },
  { name: "resize-fit", file: "chelsea.jpg", plan: { resize: { mode: "fit", width: 200, height: 200 }, output: { format: "jpeg" } } },
  { name: "resize-fit-left", file: "chelsea.jpg", plan: { resize: { mode: "fit", width: 200, height: 200, gravity: "left" }, output: { format: "jpeg" } } },
  { name: "resize-fill", file: "chelsea.jpg", plan: { resize: { mode: "fill", width: 200, height: 200, background: "#336699" }, output: { format: "jpeg" } } },
  { name: "resize-exact", file: "chelsea.jpg", plan: { resize: { mode: "exact", width: 200, height: 200 }, output: { format: "jpeg" } } },
  { name: "scale", file: "chelsea.jpg", plan: { scale: { size: 0.4, ratio: 0.5 }, output: { format: "jpeg" } } },
  { name: "crop-rect", file: "chelsea.jpg", plan: { crop: { mode: "rect", width: 200, height: 150, gravity: "top-right" }, output: { format: "jpeg" } } },
  { name: "crop-ratio", file: "chelsea.jpg", plan: { crop: { mode: "ratio", ratio: "1:1" }, resize: { width: 200 }, output: { format: "jpeg" } } },
  { name: "flip", file: "chelsea.jpg", plan: { flip: { horizontal: true }, scale: { size: 0.5 }, output: { format: "jpeg" } } },
  { name: "rotate-90", file: "chelsea.jpg", plan: { rotate: { angle: 90 }, scale: { size: 0.5 }, output: { format: "jpeg" } } },
  { name: "rotate-30", file: "chelsea.jpg", plan: { rotate: { angle: 30 }, scale: { size: 0.5 }, output: { format: "webp", quality: 85 } } },
  { name: "padding", file: "chelsea.jpg", plan: { scale: { size: 0.5 }, padding: { size: 20, background: "#ffcc00" }, output: { format: "jpeg" } } },
  { name: "border", file: "chelsea.jpg", plan: { scale: { size: 0.5 }, border: { size: 8, color: "#ff0000", radius: 30 }, output: { format: "webp", quality: 85 } } },
  { name: "mask-ellipse", file: "chelsea.jpg", plan: { resize: { mode: "fit", width: 200, height: 200 }, mask: { shape: "ellipse" }, output: { format: "webp", quality: 85 } } },
  { name: "mask-rectangle", file: "chelsea.jpg", plan: { scale: { size: 0.5 }, mask: { shape: "rectangle", radius: 30 }, output: { format: "webp", quality: 85 } } },
  ...effectExamples(),
];

/** auto, adjust and filter on chelsea.jpg at half size; auto on a copy dulled by sharp (levels squeezed, warm cast). */
function effectExamples() {
  const half = (section) => ({ scale: { size: 0.5 }, ...section, output: { format: "jpeg" } });
  const dull = () => sharp(fixture("chelsea.jpg")).linear([0.45, 0.42, 0.4], [88, 78, 62]).jpeg({ quality: 95 }).toBuffer();
  return [
    { name: "effect-original", file: "chelsea.jpg", plan: half({}) },
    { name: "auto-before", file: "chelsea.jpg", input: dull, plan: half({}) },
    { name: "auto-enhance", file: "chelsea.jpg", input: dull, plan: half({ auto: { enhance: true } }) },
    { name: "adjust-brightness", file: "chelsea.jpg", plan: half({ adjust: { brightness: 30 } }) },
    { name: "adjust-contrast", file: "chelsea.jpg", plan: half({ adjust: { contrast: 40 } }) },
    { name: "adjust-exposure", file: "chelsea.jpg", plan: half({ adjust: { exposure: -40 } }) },
    { name: "adjust-gamma", file: "chelsea.jpg", plan: half({ adjust: { gamma: 1.8 } }) },
    { name: "adjust-saturation", file: "chelsea.jpg", plan: half({ adjust: { saturation: 60 } }) },
    { name: "adjust-vibrance", file: "chelsea.jpg", plan: half({ adjust: { vibrance: 80 } }) },
    { name: "adjust-hue", file: "chelsea.jpg", plan: half({ adjust: { hue: 90 } }) },
    { name: "adjust-unsharp", file: "chelsea.jpg", plan: half({ adjust: { unsharp: 100 } }) },
    { name: "adjust-clarity", file: "chelsea.jpg", plan: half({ adjust: { clarity: 100 } }) },
    { name: "filter-blur-gaussian", file: "chelsea.jpg", plan: half({ filter: { blur: { mode: "gaussian", value: 4 } } }) },
    { name: "filter-blur-box", file: "chelsea.jpg", plan: half({ filter: { blur: { mode: "box", value: 4 } } }) },
    { name: "filter-grayscale", file: "chelsea.jpg", plan: half({ filter: { grayscale: true } }) },
    { name: "filter-sepia", file: "chelsea.jpg", plan: half({ filter: { sepia: true } }) },
    { name: "filter-negative", file: "chelsea.jpg", plan: half({ filter: { negative: true } }) },
    { name: "filter-pixelate", file: "chelsea.jpg", plan: half({ filter: { pixelate: 8 } }) },
    { name: "filter-vignette", file: "chelsea.jpg", plan: half({ filter: { vignette: 70 } }) },
  ];
}

export const WATERMARK_EXAMPLES = [
  {
    name: "watermark",
    file: "chelsea.jpg",
    watermark: "logo.png",
    plan: { scale: { size: 0.5 }, watermark: { id: "logo", gravity: "bottom-right", padding: 10, opacity: 0.6, scale: 0.25 }, output: { format: "jpeg" } },
  },
];

const only = process.argv.slice(2);
const chosen = (examples) => examples.filter((e) => only.length === 0 || only.includes(e.name));

async function save(example, res) {
  if (!res.ok) throw new Error(`${example.name}: ${res.status} ${await res.text()}`);
  const output = JSON.parse(res.headers.get("X-Bench-Output"));
  const ext = output.format === "JPEG" ? "jpg" : output.format.toLowerCase();
  writeFileSync(join(root, "docs", "images", `${example.name}.${ext}`), Buffer.from(await res.arrayBuffer()));
  console.log(`${example.name}.${ext}: ${output.width}×${output.height}, ${output.bytes} bytes`);
}

async function withWorker(options, run) {
  const worker = await unstable_startWorker({ ...options, dev: { server: { port: 0 }, inspector: false, logLevel: "warn" } });
  try {
    await run(worker);
  } finally {
    await worker.dispose();
  }
}

mkdirSync(join(root, "docs", "images"), { recursive: true });
if (chosen(EXAMPLES).length > 0) {
  await withWorker({ config: join(root, "bench", "wrangler.toml") }, async (worker) => {
    for (const example of chosen(EXAMPLES)) {
      const body = example.input ? await example.input() : fixture(example.file);
      await save(example, await worker.fetch("http://bench/process", { method: "POST", body, headers: { "X-Bench-Plan": JSON.stringify(example.plan) } }));
    }
  });
}
if (chosen(WATERMARK_EXAMPLES).length > 0) {
  // The bench Worker's configuration (settings only, no bindings) with this entry point.
  const options = { config: join(root, "bench", "wrangler.toml"), entrypoint: join(root, "scripts", "lib", "watermark-picture-worker.ts") };
  await withWorker(options, async (worker) => {
    for (const example of chosen(WATERMARK_EXAMPLES)) {
      const form = new FormData();
      form.append("file", new Blob([fixture(example.file)]), example.file);
      form.append("watermark", new Blob([fixture(example.watermark)]), example.watermark);
      form.append("data", JSON.stringify(example.plan));
      const encoded = new Response(form); // the multipart bytes and their boundary
      const headers = { "Content-Type": encoded.headers.get("Content-Type") };
      await save(example, await worker.fetch("http://docs/watermark", { method: "POST", body: await encoded.arrayBuffer(), headers }));
    }
  });
}

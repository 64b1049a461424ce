// Regenerates the pictures of docs/operations.md: each example request is run by the API's own
// pipeline (the bench Worker, in workerd) on a committed fixture, and the output is written to
// docs/images/<name>.<ext>. Run: npx node scripts/docs-pictures.mjs  (or via npm run docs:pictures)
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
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
];

const worker = await unstable_startWorker({ config: join(root, "bench", "wrangler.toml"), dev: { server: { port: 0 }, inspector: false, logLevel: "warn" } });
try {
  mkdirSync(join(root, "docs", "images"), { recursive: true });
  for (const example of EXAMPLES) {
    const res = await worker.fetch("http://bench/process", { method: "POST", body: fixture(example.file), headers: { "X-Bench-Plan": JSON.stringify(example.plan) } });
    if (!res.ok) throw new Error(`${example.name}: ${res.status} ${await res.text()}`);
    const output = JSON.parse(res.headers.get("X-Bench-Output"));
    const ext = output.format === "JPEG" ? "jpg" : output.format.toLowerCase();
    writeFileSync(join(root, "docs", "images", `${example.name}.${ext}`), Buffer.from(await res.arrayBuffer()));
    console.log(`${example.name}.${ext}: ${output.width}×${output.height}, ${output.bytes} bytes`);
  }
} finally {
  await worker.dispose();
}

// The MEM section of `npm run bench`: peak memory of P1 and P7 in the bench Worker (POST /memory,
// see bench/worker.ts for what is and is not counted), and of 4 P1 jobs sent at once to the same
// isolate. Memory does not vary between runs, so each case runs once.
const MB = 1000 * 1000;
const FIT_1200 = { resize: { mode: "fit", width: 1200, height: 800 }, output: { format: "jpeg", quality: 80 } };

const CASES = [
  { id: "P1", name: "3840×2400 JPEG → fit 1200×800 → JPEG q80", input: "large", copies: 1, targetMB: 128 },
  { id: "P7", name: "6000×4000 JPEG → fit 1200×800 → JPEG q80", input: "huge", copies: 1, targetMB: 100 },
  { id: "4×P1", name: "4 concurrent P1 jobs in one isolate", input: "large", copies: 4, targetMB: 128 },
];

async function measureCase(worker, inputs, c) {
  const headers = { "X-Bench-Plan": JSON.stringify(FIT_1200), "X-Bench-Copies": String(c.copies) };
  const res = await worker.fetch("http://bench/memory", { method: "POST", body: inputs[c.input], headers });
  if (!res.ok) throw new Error(`memory ${c.id} failed: ${res.status} ${await res.text()}`);
  return { id: c.id, name: c.name, targetMB: c.targetMB, ...(await res.json()) };
}

export async function memoryBench(worker, inputs) {
  const rows = [];
  for (const c of CASES) rows.push(await measureCase(worker, inputs, c));
  return { rows };
}

export function memoryTable(memory) {
  const mb = (bytes) => (bytes / MB).toFixed(1);
  const lines = [
    `Memory (${memory.date}): WASM = largest instance (all instances the jobs created); JS = inputs + one decoded + one resized raster + outputs`,
    "| case | decoded at | WASM largest MB (instances, sum MB) | JS buffers MB (inputs / decoded / resized / outputs) | peak MB | target |",
    "|---|---|---|---|---|---|",
  ];
  for (const r of memory.rows) {
    const js = r.js;
    lines.push(
      `| ${r.id} ${r.name} | ${r.decoded.width}×${r.decoded.height} | ${mb(r.wasm.largest)} (${r.wasm.instances}, ${mb(r.wasm.total)}) | ${mb(r.jsBytes)} (${mb(js.inputs)} / ${mb(js.decodedRaster)} / ${mb(js.resizedRaster)} / ${mb(js.outputs)}) | ${mb(r.peakBytes)} | < ${r.targetMB} ${r.peakBytes < r.targetMB * MB ? "✓" : "✗"} |`,
    );
  }
  return lines.join("\n");
}

// The COST section of `npm run bench`: what the perceptual search costs against one encode at a
// fixed quality, on a 1200×800 photo (issue 5: `medium` at most 4× one fixed-quality encode). Both
// run the API's processImage in the bench Worker on the same JPEG, interleaved (fixed, medium,
// fixed, ...), RUNS times after a warm-up; times are medians measured inside workerd (decode and
// encode included on both sides, so the ratio is what a request pays).
const FORMATS = ["jpeg", "webp"];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function run(worker, input, plan) {
  const res = await worker.fetch("http://bench/process", { method: "POST", body: input, headers: { "X-Bench-Plan": JSON.stringify(plan) } });
  if (!res.ok) throw new Error(`cost: ${res.status} ${await res.text()}`);
  const bytes = (await res.arrayBuffer()).byteLength;
  return { ms: Number(res.headers.get("X-Bench-Ms")), encodes: Number(res.headers.get("X-Bench-Encodes")), bytes, output: JSON.parse(res.headers.get("X-Bench-Output")) };
}

export async function costBench(worker, input, runs) {
  const rows = [];
  for (const format of FORMATS) {
    const fixedPlan = { output: { format, quality: 80 } };
    const mediumPlan = { optimize: { compression: "medium" }, output: { format } };
    await run(worker, input, fixedPlan);
    await run(worker, input, mediumPlan);
    const fixed = [];
    const medium = [];
    let last;
    for (let i = 0; i < runs; i++) {
      fixed.push((await run(worker, input, fixedPlan)).ms);
      last = await run(worker, input, mediumPlan);
      medium.push(last.ms);
    }
    rows.push({ format, fixedMs: median(fixed), mediumMs: median(medium), ratio: median(medium) / median(fixed), encodes: last.encodes, bytes: last.bytes, quality: last.output.quality, score: last.output.ssimulacra2 });
    console.error(`cost ${format} done`);
  }
  return { rows };
}

export function costTable(cost) {
  const lines = [
    `Cost of the search (${cost.date}): 1200×800 photo (JPEG q90 source), processImage with output.quality 80 vs optimize medium, medians`,
    "| format | fixed q80 ms | medium ms | medium / fixed | encodes | medium quality / score / KB |",
    "|---|---|---|---|---|---|",
  ];
  for (const r of cost.rows) lines.push(`| ${r.format} | ${r.fixedMs} | ${r.mediumMs} | ${r.ratio.toFixed(2)}× | ${r.encodes} | ${r.quality} / ${r.score} / ${(r.bytes / 1024).toFixed(1)} |`);
  return lines.join("\n");
}

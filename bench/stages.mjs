// The STAGES section of `npm run bench`: where P1's time goes, stage by stage, ours (the bench
// Worker's POST /stages: shrink-on-load decode at the scale the pipeline picks (3/8 for P1),
// Lanczos3 resize, MozJPEG encode, each timed inside workerd) next to sharp doing the same three
// steps as separate calls on raw pixels (decode at 1/2 through libvips' shrink-on-load, which
// stops at powers of 2, resize, encode). Medians of RUNS runs after a warm-up.
import sharp from "sharp";

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function sharpStages(input, runs) {
  const times = { decode: [], resize: [], encode: [] };
  for (let i = 0; i <= runs; i++) {
    let start = performance.now();
    const decoded = await sharp(input).resize(1920, 1200).raw().toBuffer({ resolveWithObject: true });
    const decode = performance.now() - start;
    start = performance.now();
    const resized = await sharp(decoded.data, { raw: decoded.info }).resize(1200, 750, { kernel: "lanczos3" }).raw().toBuffer({ resolveWithObject: true });
    const resize = performance.now() - start;
    start = performance.now();
    await sharp(resized.data, { raw: resized.info }).jpeg({ quality: 80, mozjpeg: true, progressive: true, chromaSubsampling: "4:2:0" }).toBuffer();
    const encode = performance.now() - start;
    if (i === 0) continue;
    times.decode.push(decode);
    times.resize.push(resize);
    times.encode.push(encode);
  }
  return { decode: median(times.decode), resize: median(times.resize), encode: median(times.encode) };
}

export async function stagesBench(worker, input, runs) {
  const res = await worker.fetch("http://bench/stages", { method: "POST", body: input, headers: { "X-Width": "1200", "X-Height": "800", "X-Runs": String(runs) } });
  if (!res.ok) throw new Error(`stages: ${res.status} ${await res.text()}`);
  const ours = await res.json();
  return { ours, sharp: await sharpStages(input, runs) };
}

export function stagesTable(stages) {
  const lines = [
    `P1 by stage (${stages.date}): 3840×2400 JPEG, decode (ours at ${stages.ours.scale * 8}/8, ${stages.ours.decoded.width}×${stages.ours.decoded.height}; sharp at 1/2) → 1200×750 → JPEG q80 progressive, medians in ms`,
    "| stage | ours | sharp | ratio |",
    "|---|---|---|---|",
  ];
  for (const stage of ["decode", "resize", "encode"]) {
    const ours = stages.ours[stage];
    const theirs = stages.sharp[stage];
    lines.push(`| ${stage} | ${ours} | ${theirs.toFixed(1)} | ${(ours / theirs).toFixed(2)}× |`);
  }
  return lines.join("\n");
}

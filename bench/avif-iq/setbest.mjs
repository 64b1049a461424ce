import fs from 'fs';
import sharp from 'sharp';
import { encodeAvif, score } from './try.mjs';
import { optimizeSet } from '../lib/optimize-set.mjs';
const results = JSON.parse(fs.readFileSync(new URL('../results/latest.json', import.meta.url)));
const medium = Object.fromEntries(results.optimize.presets.filter((p) => p.preset === 'medium').map((p) => [p.format, Object.fromEntries(p.images.map((i) => [i.name, i]))]));
const sharpJpeg = Object.fromEntries(results.optimize.sharp.jpeg.images.map((i) => [i.name, i.bytes]));
const only = process.argv[2] ? process.argv[2].split(',') : null;
const TARGET = 80;
const out = [];
for (const img of await optimizeSet()) {
  if (only && !only.includes(img.name)) continue;
  const grey = (await sharp(img.png).stats()).isOpaque && await isGrey(img.raw);
  const layout = grey ? 2 : 0;
  const cache = new Map();
  const trial = async (cq) => {
    if (!cache.has(cq)) {
      const { avif } = await encodeAvif(img.raw, img.width, img.height, cq, 6, layout);
      const dec = await sharp(avif).ensureAlpha().raw().toBuffer();
      cache.set(cq, { cq, bytes: avif.length, score: await score(img.raw, dec, img.width, img.height) });
    }
    return cache.get(cq);
  };
  // largest cq with score >= TARGET (bisection on 0..63)
  let lo = 0, hi = 63; // lo passes (assume), hi fails?
  if ((await trial(63)).score >= TARGET) lo = 63;
  else {
    while (hi - lo > 1) { const mid = (lo + hi) >> 1; if ((await trial(mid)).score >= TARGET) lo = mid; else hi = mid; }
  }
  const pick = await trial(lo);
  const others = ['jpeg', 'webp'].map((f) => medium[f][img.name]).filter((r) => r.score >= TARGET - 0.01);
  const bestOther = Math.min(...others.map((r) => r.bytes));
  const row = { name: img.name, layout, cq: pick.cq, avifNew: pick.bytes, score: +pick.score.toFixed(2), avifOld: medium.avif[img.name].bytes, bestOld: medium.best[img.name].bytes, bestNew: Math.min(bestOther, pick.bytes), sharp: sharpJpeg[img.name], encodes: cache.size };
  out.push(row);
  console.log(JSON.stringify(row));
}
const sum = (k) => out.reduce((a, r) => a + r[k], 0);
console.log(`n=${out.length} avifNew ${sum('avifNew')} avifOld ${sum('avifOld')} (${(sum('avifNew') / sum('avifOld')).toFixed(3)}) bestOld ${sum('bestOld')} bestNew ${sum('bestNew')} sharp ${sum('sharp')} bestNew/sharp ${(sum('bestNew') / sum('sharp')).toFixed(3)} bestOld/sharp ${(sum('bestOld') / sum('sharp')).toFixed(3)}`);
fs.writeFileSync('/tmp/av1-setbest.json', JSON.stringify(out, null, 1));
async function isGrey(raw) { for (let i = 0; i < raw.length; i += 4) if (raw[i] !== raw[i + 1] || raw[i] !== raw[i + 2]) return false; return true; }

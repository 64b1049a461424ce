/**
 * Matrix/TRC profile → sRGB on an 8-bit RGBA raster, in place (the relative colorimetric
 * conversion that lcms performs for such profiles, which is also what it does for "perceptual"):
 *
 *   1. each channel's 8-bit value → linear through its TRC, tabulated once per image (3 × 256);
 *   2. linear profile RGB → linear sRGB with one 3×3 matrix (profile → XYZ D50 → sRGB, folded
 *      together by the parser);
 *   3. clip to [0, 1] (out-of-gamut colours clip per channel, as lcms does for matrix-shapers);
 *   4. linear → sRGB-encoded 8-bit through a table of OUTPUT_STEPS + 1 entries (built once per
 *      isolate), indexed by the rounded linear value: a step is 1/16384, so even on the steep
 *      part of the sRGB curve near black the lookup is within 0.1 level of the exact value.
 *
 * Alpha is untouched (straight alpha: colour and coverage are independent).
 */
import type { Raster } from "../raster";
import { evalCurve, linearToSrgb, type Curve, type MatrixShaper } from "./profile";

const OUTPUT_STEPS = 16384;
let encodeTable: Uint8Array | undefined;

function srgbEncodeTable(): Uint8Array {
  if (!encodeTable) {
    encodeTable = new Uint8Array(OUTPUT_STEPS + 1);
    for (let i = 0; i <= OUTPUT_STEPS; i++) encodeTable[i] = Math.round(linearToSrgb(i / OUTPUT_STEPS) * 255);
  }
  return encodeTable;
}

function decodeTable(curve: Curve): Float32Array {
  const table = new Float32Array(256);
  for (let i = 0; i < 256; i++) table[i] = evalCurve(curve, i / 255);
  return table;
}

export function toSrgb(image: Raster, profile: MatrixShaper): Raster {
  const out = srgbEncodeTable();
  const inR = decodeTable(profile.curves[0]);
  const inG = decodeTable(profile.curves[1]);
  const inB = decodeTable(profile.curves[2]);
  const [m0, m1, m2, m3, m4, m5, m6, m7, m8] = profile.toSrgb as [number, number, number, number, number, number, number, number, number];
  const d = image.data;
  const scale = OUTPUT_STEPS;
  for (let i = 0, n = d.length; i < n; i += 4) {
    const r = inR[d[i]!]!;
    const g = inG[d[i + 1]!]!;
    const b = inB[d[i + 2]!]!;
    let x = m0 * r + m1 * g + m2 * b;
    let y = m3 * r + m4 * g + m5 * b;
    let z = m6 * r + m7 * g + m8 * b;
    x = x > 0 ? (x < 1 ? x : 1) : 0;
    y = y > 0 ? (y < 1 ? y : 1) : 0;
    z = z > 0 ? (z < 1 ? z : 1) : 0;
    d[i] = out[(x * scale + 0.5) | 0]!;
    d[i + 1] = out[(y * scale + 0.5) | 0]!;
    d[i + 2] = out[(z * scale + 0.5) | 0]!;
  }
  return image;
}

/**
 * Just enough of ICC.1 (v2 and v4) to use "matrix/TRC" (matrix-shaper) profiles, the kind that
 * describes almost every RGB photo that is not sRGB: Adobe RGB (1998), Display P3, ProPhoto RGB,
 * Rec. 2020 stills and camera/monitor profiles.
 *
 * Such a profile maps encoded RGB to the profile connection space (PCS, CIE XYZ relative to D50) as
 *   XYZ = [rXYZ gXYZ bXYZ] · (rTRC(R), gTRC(G), bTRC(B))
 * where the colorant tags rXYZ/gXYZ/bXYZ are the columns of a 3×3 matrix (already chromatically
 * adapted to D50; v4's `chad` and v2's media white point `wtpt` only matter for absolute
 * colorimetry, so, like lcms for the relative and perceptual intents, they are not used) and each
 * TRC is a `curv` (identity, a pure gamma in u8Fixed8, or a sampled table) or a `para` (ICC
 * parametric function types 0–4). A gray profile (`kTRC`) is the same with one curve and the D50
 * white as its only colorant.
 *
 * The parser folds the PCS → sRGB step in at once: `toSrgb` maps linear profile RGB to linear sRGB,
 * inverse(sRGB→XYZ D50, Bradford-adapted) · [rXYZ gXYZ bXYZ]. Anything else — LUT-only profiles
 * (A2B0/mAB/mft1/mft2 without the matrix/TRC tags), CMYK, Lab, n-colour, device links, a Lab PCS —
 * gives null, and the caller leaves the pixels as they are. A profile with both LUTs and
 * matrix/TRC tags is used through its matrix/TRC tags.
 *
 * `isSrgb` marks profiles whose conversion changes no 8-bit value by half a level or more (sRGB
 * profiles of every vendor, whatever their exact numbers), so callers can skip them.
 */
import { ascii, fourcc, need, u16be, u32be } from "../probe/bytes";

/** Encoded value in [0, 1] → linear value in [0, 1]. */
export type Curve =
  | { readonly kind: "identity" }
  | { readonly kind: "gamma"; readonly gamma: number }
  | { readonly kind: "table"; readonly table: Float64Array }
  | { readonly kind: "parametric"; readonly type: number; readonly params: readonly number[] };

export interface MatrixShaper {
  readonly colorSpace: "RGB" | "GRAY";
  /** Input transfer functions, red/green/blue (gray profiles: the same curve three times). */
  readonly curves: readonly [Curve, Curve, Curve];
  /** Linear profile RGB → XYZ (PCS, D50), row-major 3×3. */
  readonly toXyz: readonly number[];
  /** Linear profile RGB → linear sRGB, row-major 3×3. */
  readonly toSrgb: readonly number[];
  /** Conversion to sRGB would change no 8-bit value by half a level or more. */
  readonly isSrgb: boolean;
  /** The `desc` tag's text when it is readable ("Adobe RGB (1998)"), else "". */
  readonly description: string;
}

/** Profiles declare their size in the header; tags beyond this many are not looked at. */
const MAX_TAGS = 1024;
/** Sampled curves longer than this are rejected (real ones have up to 4096 entries). */
const MAX_CURVE_POINTS = 65536;

// --- sRGB in the PCS ----------------------------------------------------------------------------

/**
 * The ICC PCS illuminant D50, X = 0.9642, Y = 1, Z = 0.8249 (ICC.1:2010 7.2.16), as its exact
 * s15Fixed16 encoding (0x0000F6D6, 0x00010000, 0x0000D32D) that profiles store.
 */
export const D50: readonly number[] = [0xf6d6 / 65536, 1, 0xd32d / 65536];

/** Bradford cone response matrix (Lam 1985), as used by ICC.1 Annex E and lcms. */
const BRADFORD = [0.8951, 0.2664, -0.1614, -0.7502, 1.7135, 0.0367, 0.0389, -0.0685, 1.0296];

/** CIE xy chromaticity → XYZ with Y = 1. */
function xyToXyz(x: number, y: number): number[] {
  return [x / y, 1, (1 - x - y) / y];
}

/**
 * sRGB → XYZ(D50), derived from IEC 61966-2-1: primaries R (0.64, 0.33), G (0.30, 0.60),
 * B (0.15, 0.06), white D65 (0.3127, 0.3290) → XYZ (0.950456, 1, 1.089058); the primaries are
 * scaled so that RGB (1, 1, 1) is that white, and the result is adapted D65 → D50 (the PCS white
 * above) with Bradford. It comes out as
 *   0.436042 0.385114 0.143047
 *   0.222485 0.716905 0.060611
 *   0.013920 0.097068 0.713918
 * (the colorants of lcms's/libvips's sRGB profile to 5e-5, and of HP's to 3e-4), and its inverse,
 * XYZ(D50) → sRGB, as
 *    3.134185 -1.617214 -0.490693
 *   -0.978750  1.916134  0.033434
 *    0.071964 -0.228993  1.405744
 */
export const SRGB_TO_XYZ_D50: readonly number[] = (() => {
  const primaries = [xyToXyz(0.64, 0.33), xyToXyz(0.3, 0.6), xyToXyz(0.15, 0.06)];
  const white = xyToXyz(0.3127, 0.329);
  const p = [0, 1, 2].flatMap((row) => primaries.map((col) => col[row]!)); // primaries as columns
  const scale = apply(invert(p)!, white);
  const d65 = p.map((v, i) => v * scale[i % 3]!);
  return multiply(adaptation(white, D50), d65);
})();

export const XYZ_D50_TO_SRGB: readonly number[] = invert(SRGB_TO_XYZ_D50)!;

/** Bradford chromatic adaptation from white `from` to white `to` (both XYZ). */
export function adaptation(from: readonly number[], to: readonly number[]): number[] {
  const coneFrom = apply(BRADFORD, from);
  const coneTo = apply(BRADFORD, to);
  const gain = [0, 0, 0, 0, 0, 0, 0, 0, 0];
  for (let i = 0; i < 3; i++) gain[i * 4] = coneTo[i]! / coneFrom[i]!;
  return multiply(invert(BRADFORD)!, multiply(gain, BRADFORD));
}

// --- sRGB transfer function -----------------------------------------------------------------------

export function srgbToLinear(v: number): number {
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
}

export function linearToSrgb(v: number): number {
  return v <= 0.0031308 ? v * 12.92 : 1.055 * v ** (1 / 2.4) - 0.055;
}

// --- curves -------------------------------------------------------------------------------------

/** The curve at `x` in [0, 1], clipped to [0, 1] (ICC.1: curve outputs are in [0, 1]). */
export function evalCurve(curve: Curve, x: number): number {
  let y: number;
  switch (curve.kind) {
    case "identity":
      y = x;
      break;
    case "gamma":
      y = x ** curve.gamma;
      break;
    case "table": {
      const t = curve.table;
      const at = Math.min(Math.max(x, 0), 1) * (t.length - 1);
      const i = Math.min(Math.floor(at), t.length - 2);
      y = t[i]! + (t[i + 1]! - t[i]!) * (at - i);
      break;
    }
    case "parametric":
      y = parametric(curve.type, curve.params, x);
      break;
  }
  return Number.isFinite(y) ? Math.min(Math.max(y, 0), 1) : 0;
}

/** ICC.1:2010 table 68, function types 0–4 with parameters g, a, b, c, d, e, f. */
function parametric(type: number, p: readonly number[], x: number): number {
  const [g = 1, a = 1, b = 0, c = 0, d = 0, e = 0, f = 0] = p;
  const power = (base: number): number => (base > 0 ? base ** g : 0);
  switch (type) {
    case 0:
      return power(x);
    case 1:
      return x >= -b / a ? power(a * x + b) : 0;
    case 2:
      return x >= -b / a ? power(a * x + b) + c : c;
    case 3:
      return x >= d ? power(a * x + b) : c * x;
    default:
      return x >= d ? power(a * x + b) + e : c * x + f;
  }
}

const PARAMETRIC_COUNTS = [1, 3, 4, 5, 7];

/** A `curv` or `para` tag, or null when it is neither or malformed. */
function readCurve(t: Uint8Array): Curve | null {
  const type = fourcc(t, 0);
  if (type === "curv") {
    const count = u32be(t, 8);
    if (count === 0) return { kind: "identity" };
    if (count === 1) {
      const gamma = u16be(t, 12) / 256;
      return gamma > 0 ? { kind: "gamma", gamma } : null;
    }
    if (count > MAX_CURVE_POINTS) return null;
    need(t, 12, count * 2);
    const table = new Float64Array(count);
    for (let i = 0; i < count; i++) table[i] = u16be(t, 12 + i * 2) / 65535;
    return { kind: "table", table };
  }
  if (type === "para") {
    const fn = u16be(t, 8);
    const count = PARAMETRIC_COUNTS[fn];
    if (count === undefined) return null;
    const params: number[] = [];
    for (let i = 0; i < count; i++) params.push(s15Fixed16(t, 12 + i * 4));
    if (!(params[0]! > 0) || (fn !== 0 && params[1] === 0)) return null;
    return fn === 0 && params[0] === 1 ? { kind: "identity" } : { kind: "parametric", type: fn, params };
  }
  return null;
}

// --- the profile ------------------------------------------------------------------------------

function s15Fixed16(b: Uint8Array, o: number): number {
  const v = u32be(b, o);
  return (v >= 0x80000000 ? v - 0x100000000 : v) / 65536;
}

function readXyz(t: Uint8Array): number[] | null {
  if (fourcc(t, 0) !== "XYZ ") return null;
  return [s15Fixed16(t, 8), s15Fixed16(t, 12), s15Fixed16(t, 16)];
}

/** Tag signature → its bytes (views into the profile). */
function readTags(p: Uint8Array, size: number): Map<string, Uint8Array> {
  const tags = new Map<string, Uint8Array>();
  const count = u32be(p, 128);
  if (count > MAX_TAGS) return tags;
  for (let i = 0; i < count; i++) {
    const at = 132 + i * 12;
    const signature = fourcc(p, at);
    const offset = u32be(p, at + 4);
    const length = u32be(p, at + 8);
    if (length < 8 || offset + length > size) continue; // a tag outside the profile is skipped
    if (!tags.has(signature)) tags.set(signature, p.subarray(offset, offset + length));
  }
  return tags;
}

/**
 * A matrix/TRC RGB (or TRC gray) profile, or null for any other kind of profile or bytes that are
 * not a profile. Never throws.
 */
export function parseProfile(bytes: Uint8Array): MatrixShaper | null {
  try {
    return parse(bytes);
  } catch {
    return null; // a ProbeFailure: a tag or the header is cut short
  }
}

function parse(p: Uint8Array): MatrixShaper | null {
  if (p.length < 132 || fourcc(p, 36) !== "acsp") return null;
  const size = u32be(p, 0);
  if (size < 132 || size > p.length) return null;
  const space = fourcc(p, 16);
  const pcs = fourcc(p, 20);
  const deviceClass = fourcc(p, 12);
  if (pcs !== "XYZ " || deviceClass === "link" || deviceClass === "abst" || deviceClass === "nmcl") return null;
  const tags = readTags(p, size);
  const curve = (signature: string): Curve | null => {
    const tag = tags.get(signature);
    return tag ? readCurve(tag) : null;
  };
  const description = readDescription(tags.get("desc"));
  if (space === "GRAY") {
    const k = curve("kTRC");
    if (!k) return null;
    return shaper("GRAY", [k, k, k], [D50[0]!, 0, 0, 0, D50[1]!, 0, 0, 0, D50[2]!], description);
  }
  if (space !== "RGB ") return null;
  const r = curve("rTRC");
  const g = curve("gTRC");
  const b = curve("bTRC");
  const colorants = ["rXYZ", "gXYZ", "bXYZ"].map((s) => {
    const tag = tags.get(s);
    return tag ? readXyz(tag) : null;
  });
  if (!r || !g || !b || colorants.some((c) => !c)) return null;
  const [cr, cg, cb] = colorants as [number[], number[], number[]];
  const toXyz = [cr[0]!, cg[0]!, cb[0]!, cr[1]!, cg[1]!, cb[1]!, cr[2]!, cg[2]!, cb[2]!];
  return shaper("RGB", [r, g, b], toXyz, description);
}

function shaper(colorSpace: "RGB" | "GRAY", curves: [Curve, Curve, Curve], toXyz: number[], description: string): MatrixShaper | null {
  // For gray the "matrix" is diag(D50) and the result is neutral: linear gray → R = G = B.
  const toSrgb = colorSpace === "GRAY" ? [1, 0, 0, 0, 1, 0, 0, 0, 1] : multiply(XYZ_D50_TO_SRGB, toXyz);
  if (!toSrgb.every((v) => Number.isFinite(v) && Math.abs(v) < 1e3)) return null;
  const profile = { colorSpace, curves, toXyz, toSrgb, description };
  return { ...profile, isSrgb: looksLikeSrgb(curves, toSrgb) };
}

/**
 * True when converting changes no 8-bit value by half a level or more: each curve against sRGB's
 * on all 256 levels of its channel, then the whole transform on a 9×9×9 grid of colours.
 */
function looksLikeSrgb(curves: readonly Curve[], m: readonly number[]): boolean {
  for (const curve of curves) {
    for (let i = 0; i < 256; i++) {
      if (Math.abs(linearToSrgb(evalCurve(curve, i / 255)) * 255 - i) >= 0.5) return false;
    }
  }
  const levels = [0, 32, 64, 96, 128, 160, 192, 224, 255];
  for (const r of levels) {
    for (const g of levels) {
      for (const b of levels) {
        const lin = [evalCurve(curves[0]!, r / 255), evalCurve(curves[1]!, g / 255), evalCurve(curves[2]!, b / 255)];
        const out = apply(m, lin);
        const want = [r, g, b];
        for (let c = 0; c < 3; c++) {
          const v = linearToSrgb(Math.min(Math.max(out[c]!, 0), 1)) * 255;
          if (Math.abs(v - want[c]!) >= 0.5) return false;
        }
      }
    }
  }
  return true;
}

/** The text of a v2 `desc` (textDescriptionType, ASCII part) or v4 `mluc` (first record, UTF-16BE). */
function readDescription(t: Uint8Array | undefined): string {
  if (!t) return "";
  try {
    const type = fourcc(t, 0);
    if (type === "desc") {
      const count = Math.min(u32be(t, 8), 256);
      return ascii(t, 12, count).replace(/\0.*$/s, "");
    }
    if (type === "mluc" && u32be(t, 8) > 0) {
      const length = Math.min(u32be(t, 20), 512);
      const offset = u32be(t, 24);
      need(t, offset, length);
      let text = "";
      for (let i = 0; i + 1 < length; i += 2) text += String.fromCharCode(u16be(t, offset + i));
      return text.replace(/\0.*$/s, "");
    }
  } catch {
    // An unreadable description does not make the profile unusable.
  }
  return "";
}

// --- 3×3 matrices (row-major) -----------------------------------------------------------------------

export function multiply(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) out.push(a[r * 3]! * b[c]! + a[r * 3 + 1]! * b[3 + c]! + a[r * 3 + 2]! * b[6 + c]!);
  }
  return out;
}

export function apply(m: readonly number[], v: readonly number[]): number[] {
  return [0, 1, 2].map((r) => m[r * 3]! * v[0]! + m[r * 3 + 1]! * v[1]! + m[r * 3 + 2]! * v[2]!);
}

/** The inverse, or null when the matrix is (numerically) singular. */
export function invert(m: readonly number[]): number[] | null {
  const [a, b, c, d, e, f, g, h, i] = m as [number, number, number, number, number, number, number, number, number];
  const co = [e * i - f * h, c * h - b * i, b * f - c * e, f * g - d * i, a * i - c * g, c * d - a * f, d * h - e * g, b * g - a * h, a * e - b * d];
  const det = a * co[0]! + b * co[3]! + c * co[6]!;
  if (!Number.isFinite(det) || Math.abs(det) < 1e-12) return null;
  return co.map((v) => v / det);
}

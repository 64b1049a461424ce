/**
 * Embedded ICC profiles (src/image/icc): extraction per container, profile parsing, sRGB
 * detection, the conversion against sharp's (libvips + lcms) decodes of the same files (references
 * from test/icc-setup.ts), robustness on garbage, the wiring into /1.0/upload, and timings.
 */
import { describe, expect, inject, it } from "vitest";
import { concatBytes } from "../../src/image/bytes";
import { applyEmbeddedProfile } from "../../src/image/icc";
import { toSrgb } from "../../src/image/icc/convert";
import { extractIcc, MAX_PROFILE } from "../../src/image/icc/extract";
import { evalCurve, linearToSrgb, parseProfile, SRGB_TO_XYZ_D50, XYZ_D50_TO_SRGB, type MatrixShaper } from "../../src/image/icc/profile";
import { probe, sha1Hex, type ImageFormat } from "../../src/image/probe";
import { createRaster, type Raster } from "../../src/image/raster";
import { decode } from "../../src/image/transcode";
import type { IccImage, IccSamples } from "../shared/icc-samples";
import { fixture } from "./fixtures";
import { call, createAccount } from "./helpers";
import { noiseBytes, syntheticPhoto } from "./images";
import { psnr } from "./metrics";

const samples = (): IccSamples => inject("icc");
const fromBase64 = (b64: string): Uint8Array => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
const profileBytes = (name: string): Uint8Array => fromBase64(samples().profiles[name]!);
const sample = (name: string): IccImage => samples().images.find((i) => i.name === name)!;
const reference = (img: IccImage): Raster => createRaster(img.width, img.height, Uint8ClampedArray.from(fromBase64(img.reference)));

function parsed(name: string): MatrixShaper {
  const profile = parseProfile(profileBytes(name));
  if (!profile) throw new Error(`${name} does not parse`);
  return profile;
}

/** JPEG bytes with `segments` (APP2 payloads) inserted right after SOI. */
function withApp2(jpeg: Uint8Array, segments: Uint8Array[]): Uint8Array {
  const parts: Uint8Array[] = [jpeg.subarray(0, 2)];
  for (const payload of segments) {
    const length = payload.length + 2;
    parts.push(Uint8Array.of(0xff, 0xe2, length >> 8, length & 0xff), payload);
  }
  parts.push(jpeg.subarray(2));
  return concatBytes(parts);
}

/** An APP2 ICC_PROFILE payload: signature, sequence number, count, the piece. */
function iccSegment(seq: number, count: number, piece: Uint8Array): Uint8Array {
  const head = new TextEncoder().encode("ICC_PROFILE\0");
  const out = new Uint8Array(head.length + 2 + piece.length);
  out.set(head);
  out[12] = seq;
  out[13] = count;
  out.set(piece, 14);
  return out;
}

describe("extractIcc", () => {
  it("finds rocket.jpg's Adobe RGB (1998) profile in APP2", async () => {
    const icc = (await extractIcc(fixture("rocket.jpg"), "jpeg"))!;
    expect(icc).not.toBeNull();
    expect(icc.length).toBe(samples().rocket.length);
    expect(icc.length).toBe(560);
    expect(await sha1Hex(icc)).toBe(samples().rocket.sha1);
    expect(String.fromCharCode(...icc.subarray(4, 8))).toBe("ADBE");
    expect(parseProfile(icc)!.description).toBe(samples().rocket.description);
  });

  it("joins a profile split over several APP2 segments in sequence order", async () => {
    const icc = profileBytes("rocket");
    const chelsea = fixture("chelsea.jpg");
    expect(await extractIcc(chelsea, "jpeg")).toBeNull();
    const [first, second, third] = [icc.subarray(0, 200), icc.subarray(200, 333), icc.subarray(333)];
    // Out of order on purpose: the sequence numbers decide.
    const split = withApp2(chelsea, [iccSegment(2, 3, second), iccSegment(3, 3, third), iccSegment(1, 3, first)]);
    expect(await extractIcc(split, "jpeg")).toEqual(icc);
    // The image still decodes, and the pipeline converts it like rocket.jpg's single segment.
    expect((await decode(split, "jpeg")).width).toBe(451);
    const inconsistent: Array<[string, Uint8Array[]]> = [
      ["a piece missing", [iccSegment(1, 3, first), iccSegment(3, 3, third)]],
      ["counts disagree", [iccSegment(1, 3, first), iccSegment(2, 2, second), iccSegment(3, 3, third)]],
      ["a piece repeated", [iccSegment(1, 2, first), iccSegment(1, 2, first), iccSegment(2, 2, second)]],
      ["sequence 0", [iccSegment(0, 1, icc)]],
      ["sequence past the count", [iccSegment(2, 1, icc)]],
      ["a header cut short", [new TextEncoder().encode("ICC_PROFILE\0\x01")]],
    ];
    for (const [label, segments] of inconsistent) {
      expect(await extractIcc(withApp2(chelsea, segments), "jpeg"), label).toBeNull();
    }
  });

  it("finds PNG iCCP, WebP ICCP, AVIF colr and JPEG APP2 profiles written by sharp", async () => {
    const p3 = profileBytes("p3");
    expect(String.fromCharCode(...p3.subarray(36, 40))).toBe("acsp");
    for (const name of ["chelsea-p3.png", "chelsea-p3.webp", "chelsea-p3.avif", "chelsea-p3.jpg"]) {
      const img = sample(name);
      expect(await extractIcc(fromBase64(img.file), img.format), name).toEqual(p3);
    }
    expect(await extractIcc(fromBase64(sample("card-prophoto-mixed.png").file), "png")).toEqual(profileBytes("prophoto-mixed"));
  });

  it("finds nothing in profile-less files", async () => {
    for (const [name, format] of [
      ["chelsea.jpg", "jpeg"],
      ["coffee.png", "png"],
      ["chelsea.webp", "webp"],
      ["logo.webp", "webp"],
      ["chelsea.avif", "avif"],
      ["logo.avif", "avif"],
    ] as const) {
      expect(await extractIcc(fixture(name), format), name).toBeNull();
    }
  });

  it("returns null, never throws, on garbage, truncation and hostile sizes", async () => {
    const formats: ImageFormat[] = ["jpeg", "png", "webp", "avif", "gif"];
    for (let seed = 1; seed <= 40; seed++) {
      for (const format of formats) expect(await extractIcc(noiseBytes(64 + seed * 37, seed), format)).toBeNull();
    }
    // Every file cut at many points: either the whole profile or null.
    for (const img of samples().images.filter((i) => i.format !== "jpeg" || i.name !== "rocket.jpg")) {
      const bytes = fromBase64(img.file);
      const whole = await extractIcc(bytes, img.format);
      for (let cut = 0; cut < Math.min(bytes.length, 2000); cut += 7) {
        const got = await extractIcc(bytes.subarray(0, cut), img.format);
        if (got !== null) expect(got, `${img.name} cut at ${cut}`).toEqual(whole);
      }
    }
    // A PNG whose iCCP holds broken zlib data; a WebP whose ICCP claims 4 GiB.
    const png = fromBase64(sample("chelsea-p3.png").file).slice();
    const iccp = findAscii(png, "iCCP");
    png.fill(0x55, iccp + 4 + 6, iccp + 4 + 60); // past the "icc\0" name and the method byte
    expect(await extractIcc(png, "png")).toBeNull();
    const webp = fromBase64(sample("chelsea-p3.webp").file).slice();
    const iccpAt = findAscii(webp, "ICCP");
    webp.set([0xff, 0xff, 0xff, 0xff], iccpAt + 4);
    expect(await extractIcc(webp, "webp")).toBeNull();
    expect(MAX_PROFILE).toBe(4 * 1024 * 1024);
  });
});

function findAscii(b: Uint8Array, text: string): number {
  const codes = [...text].map((c) => c.charCodeAt(0));
  for (let i = 0; i + codes.length <= b.length; i++) if (codes.every((c, j) => b[i + j] === c)) return i;
  throw new Error(`${text} not found`);
}

describe("parseProfile", () => {
  it("reads Adobe RGB (1998): D50 colorants and a 563/256 gamma", () => {
    const adobe = parsed("rocket");
    expect(adobe.colorSpace).toBe("RGB");
    expect(adobe.isSrgb).toBe(false);
    const [m0, m1, m2, m3, m4, m5, m6, m7, m8] = adobe.toXyz;
    expect([m0, m3, m6].map((v) => v!.toFixed(4))).toEqual(["0.6097", "0.3111", "0.0195"]); // rXYZ
    expect([m1, m4, m7].map((v) => v!.toFixed(4))).toEqual(["0.2053", "0.6257", "0.0609"]); // gXYZ
    expect([m2, m5, m8].map((v) => v!.toFixed(4))).toEqual(["0.1492", "0.0632", "0.7446"]); // bXYZ
    for (const curve of adobe.curves) expect(curve).toEqual({ kind: "gamma", gamma: 563 / 256 });
    // The colorants add up to the D50 white: white maps to white.
    expect(adobe.toSrgb.reduce((s, v, i) => (i < 3 ? s + v : s), 0)).toBeCloseTo(1, 3);
  });

  it("derives the Bradford-adapted sRGB matrix that sRGB profiles carry", () => {
    const expected = [0.436042, 0.385114, 0.143047, 0.222485, 0.716905, 0.060611, 0.01392, 0.097068, 0.713918];
    SRGB_TO_XYZ_D50.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
    const lcmsSrgb = parsed("srgb").toXyz;
    SRGB_TO_XYZ_D50.forEach((v, i) => expect(Math.abs(v - lcmsSrgb[i]!)).toBeLessThan(1e-4));
    expect(XYZ_D50_TO_SRGB[0]).toBeCloseTo(3.134185, 5);
  });

  it("recognises sRGB profiles, whatever their encoding, and nothing else", async () => {
    expect(parsed("srgb").isSrgb).toBe(true); // lcms v4, parametric curves
    expect(parsed("srgb-table").isSrgb).toBe(true); // HP-style v2, 1024-entry tables
    expect(parsed("srgb-table").description).toBe("sRGB IEC61966-2.1 (sampled curves, test)");
    const orientation6 = await extractIcc(fixture("chelsea-orientation6.jpg"), "jpeg");
    expect(parseProfile(orientation6!)!.isSrgb).toBe(true);
    for (const name of ["rocket", "p3", "prophoto-mixed", "adobe-gammas", "gray-18"]) expect(parsed(name).isSrgb, name).toBe(false);
    expect(parsed("p3").description).toMatch(/P3/);
  });

  it("reads every curve type", () => {
    const mixed = parsed("prophoto-mixed");
    expect(mixed.curves.map((c) => c.kind)).toEqual(["table", "parametric", "parametric"]);
    expect(evalCurve(mixed.curves[0], 0.5)).toBeCloseTo(0.5 ** 1.8, 4);
    expect(evalCurve(mixed.curves[1], 0.5)).toBeCloseTo((0.92 * 0.5 + 0.08) ** 2.2, 4); // type 4, above d
    expect(evalCurve(mixed.curves[1], 0.05)).toBeCloseTo(0.09 * 0.05 + 0.001, 4); // type 4, below d
    expect(evalCurve(mixed.curves[2], 0.5)).toBeCloseTo((0.95 * 0.5 + 0.05) ** 2 - 0.0025, 4); // type 2
    const gammas = parsed("adobe-gammas");
    expect(gammas.curves.map((c) => c.kind)).toEqual(["identity", "gamma", "parametric"]);
    expect(evalCurve(gammas.curves[1], 0.5)).toBeCloseTo(0.5 ** (461 / 256), 6);
    expect(evalCurve(gammas.curves[2], 0.01)).toBe(0); // type 1 below -b/a
    const p3 = parsed("p3");
    p3.curves.forEach((c) => expect(evalCurve(c, 0.5)).toBeCloseTo(((0.5 + 0.055) / 1.055) ** 2.4, 4)); // type 3
    const gray = parsed("gray-18");
    expect(gray.colorSpace).toBe("GRAY");
    expect(evalCurve(gray.curves[0], 0.5)).toBeCloseTo(0.5 ** 1.8, 4);
  });

  it("returns null for random bytes, cut or corrupted profiles and unsupported kinds", () => {
    for (let seed = 1; seed <= 200; seed++) expect(parseProfile(noiseBytes(seed * 13, seed))).toBeNull();
    const adobe = profileBytes("rocket");
    for (let cut = 0; cut < adobe.length; cut++) expect(parseProfile(adobe.subarray(0, cut))).toBeNull(); // size > bytes
    // Random byte flips: no throw, and anything that still parses has a finite matrix.
    const noise = noiseBytes(4000, 7);
    for (let trial = 0; trial < 1000; trial++) {
      const copy = adobe.slice();
      for (let k = 0; k < 4; k++) copy[noise[trial * 4 + k]! * 2 + (trial % 64)] = noise[(trial * 4 + k + 1) % 4000]!;
      const result = parseProfile(copy);
      if (result) expect(result.toSrgb.every(Number.isFinite)).toBe(true);
    }
    const withSpace = (space: string): Uint8Array => {
      const copy = adobe.slice();
      copy.set([...space].map((c) => c.charCodeAt(0)), 16);
      return copy;
    };
    expect(parseProfile(withSpace("CMYK"))).toBeNull();
    expect(parseProfile(withSpace("Lab "))).toBeNull();
    const labPcs = adobe.slice();
    labPcs.set([0x4c, 0x61, 0x62, 0x20], 20);
    expect(parseProfile(labPcs)).toBeNull();
    // Without rTRC (renamed), a matrix/TRC profile is incomplete: a LUT-only profile looks like this.
    const noTrc = adobe.slice();
    noTrc.set([0x41, 0x32, 0x42, 0x30], findAscii(noTrc, "rTRC")); // "A2B0"
    expect(parseProfile(noTrc)).toBeNull();
  });
});

describe("conversion to sRGB", () => {
  it("matches sharp (lcms) on rocket.jpg (Adobe RGB): PSNR ≥ 40 dB", async () => {
    const img = sample("rocket.jpg");
    const theirs = reference(img);
    const raw = await decode(fromBase64(img.file), "jpeg");
    const before = psnr(raw, theirs);
    const converted = await applyEmbeddedProfile(fromBase64(img.file), probe(fromBase64(img.file)), raw);
    const after = psnr(converted, theirs);
    console.log(`rocket.jpg vs sharp's decode: PSNR ${before.toFixed(2)} dB unconverted, ${after.toFixed(2)} dB converted`);
    expect(before).toBeLessThan(32);
    expect(after).toBeGreaterThanOrEqual(40);
  });

  it("matches sharp on P3 PNG, WebP, AVIF, JPEG and on wide-gamut test cards of every curve type", async () => {
    const floors: Record<string, number> = {
      "chelsea-p3.png": 50,
      "chelsea-p3.webp": 50,
      "chelsea-p3.avif": 45, // decoded by libavif here, libheif there
      "chelsea-p3.jpg": 50,
      "card-prophoto-mixed.png": 50,
      "card-adobe-gammas.png": 50,
      "card-gray-18.png": 50,
    };
    for (const [name, floor] of Object.entries(floors)) {
      const img = sample(name);
      const bytes = fromBase64(img.file);
      const theirs = reference(img);
      const raw = await decode(bytes, img.format);
      const before = psnr(raw, theirs);
      const after = psnr(await applyEmbeddedProfile(bytes, probe(bytes), raw), theirs);
      console.log(`${name} vs sharp's decode: PSNR ${before.toFixed(2)} dB unconverted, ${after.toFixed(2)} dB converted`);
      expect(after, name).toBeGreaterThanOrEqual(floor);
    }
  });

  it("leaves profile-less and sRGB-tagged images untouched", async () => {
    for (const [bytes, format] of [
      [fixture("chelsea.jpg"), "jpeg"],
      [fixture("chelsea-orientation6.jpg"), "jpeg"],
      [fixture("logo.png"), "png"],
      [fromBase64(sample("chelsea-srgb.png").file), "png"],
    ] as const) {
      const image = await decode(bytes, format);
      const copy = image.data.slice();
      const out = await applyEmbeddedProfile(bytes, probe(bytes), image);
      expect(out).toBe(image);
      expect(out.data).toEqual(copy);
    }
  });

  it("ignores unusable embedded profiles without error", async () => {
    const chelsea = fixture("chelsea.jpg");
    const want = await decode(chelsea, "jpeg");
    const adobe = profileBytes("rocket");
    for (const junk of [noiseBytes(560, 3), adobe.subarray(0, 300), adobe.subarray(0, 131), new Uint8Array(0)]) {
      const bytes = withApp2(chelsea, [iccSegment(1, 1, junk)]);
      const out = await applyEmbeddedProfile(bytes, probe(bytes), await decode(bytes, "jpeg"));
      expect(out.data).toEqual(want.data);
    }
    // A profile that does not fit the image (lcms refuses these too): gray on colour, RGB on gray.
    const grayOnColour = withApp2(chelsea, [iccSegment(1, 1, profileBytes("gray-18"))]);
    expect((await applyEmbeddedProfile(grayOnColour, probe(grayOnColour), await decode(grayOnColour, "jpeg"))).data).toEqual(want.data);
    const camera = fixture("camera-gray.jpg");
    const rgbOnGray = withApp2(camera, [iccSegment(1, 1, adobe)]);
    const cameraWant = await decode(camera, "jpeg");
    expect((await applyEmbeddedProfile(rgbOnGray, probe(rgbOnGray), await decode(rgbOnGray, "jpeg"))).data).toEqual(cameraWant.data);
  });

  it("keeps alpha, clips out-of-gamut colours and stays within one level of the exact transform", () => {
    const adobe = parsed("rocket");
    const image = syntheticPhoto(300, 200);
    const noise = noiseBytes(image.data.length, 5);
    for (let i = 0; i < image.data.length; i++) image.data[i] = noise[i]!;
    const before = image.data.slice();
    toSrgb(image, adobe);
    let worst = 0;
    const m = adobe.toSrgb;
    for (let i = 0; i < before.length; i += 4) {
      expect(image.data[i + 3]).toBe(before[i + 3]);
      const lin = [0, 1, 2].map((c) => evalCurve(adobe.curves[c]!, before[i + c]! / 255));
      for (let c = 0; c < 3; c++) {
        const v = m[c * 3]! * lin[0]! + m[c * 3 + 1]! * lin[1]! + m[c * 3 + 2]! * lin[2]!;
        const exact = linearToSrgb(Math.min(Math.max(v, 0), 1)) * 255;
        worst = Math.max(worst, Math.abs(image.data[i + c]! - exact));
      }
    }
    expect(worst).toBeLessThanOrEqual(0.6);
    // Adobe RGB's pure green is outside sRGB: it clips to the sRGB gamut's edge.
    const green = createRaster(1, 1, Uint8ClampedArray.of(0, 255, 0, 128), false);
    toSrgb(green, adobe);
    expect([...green.data]).toEqual([0, 255, 0, 128]);
    const red = createRaster(1, 1, Uint8ClampedArray.of(255, 0, 0, 255));
    toSrgb(red, adobe);
    expect([...red.data]).toEqual([255, 0, 0, 255]);
    const grey = createRaster(1, 1, Uint8ClampedArray.of(128, 128, 128, 255));
    toSrgb(grey, adobe);
    expect(Math.abs(grey.data[0]! - grey.data[1]!)).toBeLessThanOrEqual(1); // neutrals stay neutral
  });
});

describe("the upload pipeline", () => {
  it("converts rocket.jpg to sRGB on /1.0/upload", async () => {
    const { masterKey } = await createAccount();
    const form = new FormData();
    form.append("file", new Blob([fixture("rocket.jpg")]), "rocket.jpg");
    form.append("data", JSON.stringify({ output: { format: "png" } }));
    const res = await call("/1.0/upload", { key: masterKey, method: "POST", body: form });
    expect(res.status).toBe(200);
    const url = ((await res.json()) as { output: { url: string } }).output.url;
    const out = await decode(new Uint8Array(await (await call(new URL(url).pathname)).arrayBuffer()), "png");
    const score = psnr(out, reference(sample("rocket.jpg")));
    console.log(`rocket.jpg through /1.0/upload → PNG vs sharp's decode: PSNR ${score.toFixed(2)} dB`);
    expect(score).toBeGreaterThanOrEqual(40);
  });
});

describe("timings (workerd, Date.now)", () => {
  it("reports the cost of extraction, parsing and conversion", async () => {
    const image = syntheticPhoto(4000, 3000);
    const adobe = parsed("rocket");
    toSrgb(createRaster(16, 16), adobe); // builds the output table once per isolate
    const runs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const start = Date.now();
      toSrgb(image, adobe);
      runs.push(Date.now() - start);
    }
    runs.sort((a, b) => a - b);
    const perMp = runs[2]! / 12;
    const bytes = fixture("rocket.jpg");
    const start = Date.now();
    for (let i = 0; i < 100; i++) parseProfile((await extractIcc(bytes, "jpeg"))!);
    const extractParse = (Date.now() - start) / 100;
    const png = fromBase64(sample("chelsea-p3.png").file);
    const startPng = Date.now();
    for (let i = 0; i < 100; i++) parseProfile((await extractIcc(png, "png"))!);
    const pngParse = (Date.now() - startPng) / 100;
    console.log(
      `icc: toSrgb 4000×3000 median ${runs[2]} ms (${perMp.toFixed(2)} ms/MP, best ${(runs[0]! / 12).toFixed(2)} ms/MP; runs ${runs.join(", ")}); ` +
        `extract + parse: rocket.jpg ${extractParse.toFixed(3)} ms, P3 PNG (inflate) ${pngParse.toFixed(3)} ms`,
    );
    expect(perMp).toBeGreaterThanOrEqual(0);
  });
});

/** /1.0/upload end to end inside workerd: every input × output format pair, and the document. */
import { describe, expect, it } from "vitest";
import { decode } from "../../src/image/transcode";
import { probe, sha1Hex } from "../../src/image/probe";
import type { ImageFacts } from "../../src/image/process";
import { flatten } from "../../src/image/steps/flatten";
import { orient } from "../../src/image/steps/orient";
import { WHITE } from "../../src/request/color";
import type { Raster } from "../../src/image/raster";
import { call, createAccount, upload, UUID_V4 } from "./helpers";
import { fixture } from "./fixtures";
import { pixel, psnr, ssim } from "./metrics";

type Facts = ImageFacts & { url?: string; ssimulacra2?: number };
interface Doc {
  success: boolean;
  code: number;
  id: string;
  input: Facts;
  output: Facts;
}


const MAGIC: Record<string, (b: Uint8Array) => boolean> = {
  JPEG: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  PNG: (b) => [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((v, i) => b[i] === v),
  WEBP: (b) => String.fromCharCode(...b.subarray(0, 4)) === "RIFF" && String.fromCharCode(...b.subarray(8, 12)) === "WEBP",
  AVIF: (b) => String.fromCharCode(...b.subarray(4, 8)) === "ftyp" && String.fromCharCode(...b.subarray(8, 12)) === "avif",
};

async function download(url: string): Promise<Uint8Array> {
  const res = await call(new URL(url).pathname);
  expect(res.status).toBe(200);
  return new Uint8Array(await res.arrayBuffer());
}

const INPUTS = [
  { file: "chelsea.jpg", format: "jpeg", name: "JPEG", alpha: false },
  { file: "coffee.png", format: "png", name: "PNG", alpha: false },
  { file: "chelsea.webp", format: "webp", name: "WEBP", alpha: false },
  { file: "chelsea.avif", format: "avif", name: "AVIF", alpha: false },
  { file: "logo.png", format: "png", name: "PNG", alpha: true },
  { file: "logo.webp", format: "webp", name: "WEBP", alpha: true },
  { file: "logo.avif", format: "avif", name: "AVIF", alpha: true },
] as const;

const OUTPUTS = [
  { format: "jpeg", name: "JPEG", ext: "jpg" },
  { format: "png", name: "PNG", ext: "png" },
  { format: "webp", name: "WEBP", ext: "webp" },
  { format: "avif", name: "AVIF", ext: "avif" },
] as const;

async function reference(file: string, format: "jpeg" | "png" | "webp" | "avif", flattenAlpha: boolean): Promise<Raster> {
  const bytes = fixture(file);
  let image = await decode(bytes, format);
  image = orient(image, probe(bytes).orientation);
  return flattenAlpha ? flatten(image, WHITE) : image;
}

describe("upload round trips (default optimisation: medium)", () => {
  for (const input of INPUTS) {
    for (const output of OUTPUTS) {
      it(`${input.file} → ${output.format}`, async () => {
        const { masterKey } = await createAccount();
        const res = await upload(masterKey, fixture(input.file), input.file, { output: { format: output.format } });
        expect(res.status).toBe(200);
        const doc = (await res.json()) as Doc;
        expect(doc).not.toHaveProperty("message");
        expect(doc).toMatchObject({ success: true, code: 200 });
        expect(doc.id).toMatch(UUID_V4);
        const source = fixture(input.file);
        const info = probe(source);
        expect(doc.input).toEqual({
          name: input.file,
          format: input.name,
          width: info.width,
          height: info.height,
          colorspace: info.colorspace,
          interlaced: info.interlaced,
          sampling: info.sampling,
          depth: info.depth,
          quality: info.quality,
          bytes: source.byteLength,
          sha1: await sha1Hex(source),
        });
        // Never grow: an input in the output format that is smaller than its re-encode at the
        // target comes back as it is, with its own estimated quality and unscored (chelsea.avif, a
        // small 4:2:0 AVIF, against a 4:4:4 tune=iq file at 80).
        const returnedInput = doc.output.sha1 === doc.input.sha1;
        const bytes = await download(doc.output.url!);
        expect(MAGIC[output.name]!(bytes)).toBe(true);
        const keepsAlpha = input.alpha && output.format !== "jpeg";
        const outInfo = probe(bytes);
        // PNG at medium: a palette when it scores ≥ 80 and is smaller, else lossless.
        const lossless = doc.output.ssimulacra2 === undefined;
        if (returnedInput) expect(doc.output.bytes).toBe(source.byteLength);
        if (output.format !== "png" && !returnedInput) expect(lossless).toBe(false);
        expect(doc.output).toEqual({
          url: expect.stringMatching(new RegExp(`^http://api\\.test/temp/[0-9a-f-]{36}/${input.file.replace(/\.\w+$/, "")}\\.${output.ext}$`)),
          name: input.file.replace(/\.\w+$/, `.${output.ext}`),
          format: output.name,
          width: info.width,
          height: info.height,
          colorspace: output.format === "jpeg" ? "YCbCr" : "sRGB",
          interlaced: output.format === "jpeg",
          sampling: output.format === "jpeg" ? "4:2:0" : null,
          depth: outInfo.depth,
          quality: output.format === "png" ? null : returnedInput ? doc.input.quality : expect.any(Number),
          bytes: bytes.byteLength,
          sha1: await sha1Hex(bytes),
          ...(lossless ? {} : { ssimulacra2: expect.any(Number) }),
        });
        if (!lossless) expect(doc.output.ssimulacra2).toBeGreaterThanOrEqual(80);
        let got = await decode(bytes, output.format);
        let want = await reference(input.file, input.format, output.format === "jpeg");
        if (keepsAlpha && !lossless) {
          // Colour under fully transparent pixels is not kept by lossy encoders: compare what shows.
          got = flatten({ ...got, data: got.data.slice() }, WHITE);
          want = flatten({ ...want, data: want.data.slice() }, WHITE);
        }
        if (lossless) {
          expect(psnr(got, want)).toBe(Infinity);
          expect(got.data).toEqual(want.data);
        } else {
          expect(ssim(got, want)).toBeGreaterThan(0.9);
          expect(psnr(got, want)).toBeGreaterThan(28);
        }
        if (keepsAlpha) {
          const decoded = await decode(bytes, output.format);
          expect(pixel(decoded, 0, 0)[3]).toBeLessThan(8);
          expect(pixel(decoded, 125, 125)[3]).toBeGreaterThan(248);
        }
      });
    }
  }
});

describe("the response document", () => {
  it("applies EXIF orientation to the pixels and reports the stored input size", async () => {
    const { masterKey } = await createAccount();
    const doc = (await (await upload(masterKey, fixture("chelsea-orientation6.jpg"), "cat.jpg", { output: { format: "png" } })).json()) as Doc;
    expect([doc.input.width, doc.input.height]).toEqual([300, 451]);
    expect([doc.output.width, doc.output.height]).toEqual([451, 300]);
    // The fixture is chelsea rotated 270° and tagged 6 (rotate 90° to display): displayed = chelsea.
    const got = await decode(await download(doc.output.url!), "png");
    const want = await decode(fixture("chelsea.jpg"), "jpeg");
    expect(ssim(got, want)).toBeGreaterThan(0.95);
  });

  it("keeps the input format with output format auto, honours quality and baseline encoding", async () => {
    const { masterKey } = await createAccount();
    const doc = (await (await upload(masterKey, fixture("chelsea.jpg"), "a.jpg", { output: { quality: 60, encoding: "baseline" } })).json()) as Doc;
    expect(doc.output).toMatchObject({ format: "JPEG", quality: 60, interlaced: false, name: "a.jpg" });
    const bytes = await download(doc.output.url!);
    expect(probe(bytes).interlaced).toBe(false);
    const progressive = (await (await upload(masterKey, fixture("chelsea.jpg"), "a.jpg", { output: { quality: 60 } })).json()) as Doc;
    expect(probe(await download(progressive.output.url!)).interlaced).toBe(true);
  });

  it("flattens alpha on output.background for JPEG", async () => {
    const { masterKey } = await createAccount();
    const doc = (await (await upload(masterKey, fixture("logo.png"), "logo.png", { output: { format: "jpeg", background: "#ff0000", quality: 95 } })).json()) as Doc;
    const got = await decode(await download(doc.output.url!), "jpeg");
    const [r, g, b] = pixel(got, 2, 2);
    expect(r).toBeGreaterThan(235);
    expect(g).toBeLessThan(25);
    expect(b).toBeLessThan(25);
  });

  it("generates a name when the upload has none", async () => {
    const { masterKey } = await createAccount();
    const doc = (await (await upload(masterKey, fixture("coffee.png"), "", { output: { format: "webp" } })).json()) as Doc;
    expect(doc.input.name).toMatch(/^[0-9a-f-]{36}\.png$/);
    expect(doc.output.name).toBe(doc.input.name.replace(/\.png$/, ".webp"));
  });

  it("sanitises names used in output URLs", async () => {
    const { masterKey } = await createAccount();
    const doc = (await (await upload(masterKey, fixture("chelsea.jpg"), "../../etc/pa ss?wd#.jpg")).json()) as Doc;
    expect(doc.input.name).toBe("../../etc/pa ss?wd#.jpg");
    expect(doc.output.name).toBe("pa_ss_wd_.jpg");
    expect(doc.output.url).toMatch(/\/temp\/[0-9a-f-]{36}\/pa_ss_wd_\.jpg$/);
    expect((await call(new URL(doc.output.url!).pathname)).status).toBe(200);
  });
});

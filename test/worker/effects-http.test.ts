/**
 * auto, adjust and filter/stylize over HTTP: uploads shaped exactly as the official clients send
 * them (raw multipart, `file` + `data`) and JSON fetches, with pixels read back from the stored
 * output, the alias, the order of operations and 422 envelopes naming the parameter.
 */
import { inject, beforeAll, describe, expect, it } from "vitest";
import { probe } from "../../src/image/probe";
import { createRaster, type Raster } from "../../src/image/raster";
import { decode, encode } from "../../src/image/transcode";
import { multipart, officialUploads } from "../shared/wire";
import { chromas, lumaSpread, meanLuma } from "./colour-stats";
import { fixture } from "./fixtures";
import { basic, call, createAccount, expectEnvelope } from "./helpers";
import { pixel } from "./metrics";

interface Doc {
  success: boolean;
  output: { url: string; width: number; height: number; format: string; sha1: string };
}

let key = "";
beforeAll(async () => {
  key = (await createAccount()).masterKey;
});

/** The Python client's shape: `data` first, then `file` with its basename and no content type. */
function upload(body: Uint8Array, document: object, name = "photo.png"): Promise<Response> {
  const boundary = "7d1b1f5e3c0a4e0b9c2d8f6a5b4e3d2c";
  return call("/1.0/upload", {
    method: "POST",
    body: multipart([{ name: "data", body: JSON.stringify(document) }, { name: "file", filename: name, body }], boundary),
    headers: { Authorization: basic(key), "Content-Type": `multipart/form-data; boundary=${boundary}` },
  });
}

async function ok(res: Response): Promise<Doc> {
  const doc = (await res.json()) as Doc;
  expect(res.status, JSON.stringify(doc)).toBe(200);
  return doc;
}

async function outputPixels(doc: Doc): Promise<Raster> {
  const res = await call(new URL(doc.output.url).pathname);
  expect(res.status).toBe(200);
  const bytes = new Uint8Array(await res.arrayBuffer());
  return decode(bytes, probe(bytes).format);
}

const coffee = () => fixture("coffee.png");
/** PNG without lossy optimisation, so the pixels read back are the pipeline's. */
const png = { output: { format: "png" }, optimize: { compression: "lossless" } };

async function processed(document: object, body = coffee()): Promise<Raster> {
  return outputPixels(await ok(await upload(body, { ...document, ...png })));
}

describe("official client uploads", () => {
  it("every client's multipart shape gets filter and its stylize alias applied", async () => {
    for (const section of ["filter", "stylize"]) {
      for (const request of officialUploads(key, coffee(), "coffee.png", { [section]: { grayscale: true }, ...png })) {
        const doc = await ok(await call("/1.0/upload", { method: "POST", headers: request.headers, body: request.body }));
        const out = await outputPixels(doc);
        expect(chromas(out).every((c) => c === 0), `${request.client} ${section}`).toBe(true);
      }
    }
  });

  it("adjust and auto through the Node and Go shapes", async () => {
    for (const request of officialUploads(key, coffee(), "coffee.png", { adjust: { brightness: 100 }, auto: { enhance: true }, ...png }).filter((r) => ["node", "go"].includes(r.client))) {
      const out = await outputPixels(await ok(await call("/1.0/upload", { method: "POST", headers: request.headers, body: request.body })));
      expect(pixel(out, 10, 10)).toEqual([255, 255, 255, 255]);
    }
  });
});

describe("each section over upload", () => {
  it("adjust moves the pixels; an all-neutral adjust is byte-identical to none", async () => {
    const plain = await ok(await upload(coffee(), png));
    const neutral = await ok(await upload(coffee(), { adjust: { brightness: 0, contrast: "0", gamma: 1, hue: 0, unsharp: 0 }, ...png }));
    expect(neutral.output.sha1).toBe(plain.output.sha1);
    const source = await decode(coffee(), "png");
    const darker = await processed({ adjust: { exposure: -50, saturation: 30 } });
    expect(meanLuma(darker)).toBeLessThan(meanLuma(source) - 20);
    const turned = await processed({ adjust: { hue: 180 } });
    expect(pixel(turned, 150, 100)).not.toEqual(pixel(source, 150, 100));
  });

  it("auto.enhance widens a dulled picture's histogram", async () => {
    const source = await decode(coffee(), "png");
    const dull = createRaster(source.width, source.height, source.data.map((v, i) => (i % 4 === 3 ? v : 80 + v * 0.4)), true);
    const dullPng = await encode(dull, { format: "png", quality: 100, progressive: false });
    const out = await processed({ auto: { enhance: true } }, dullPng);
    expect(lumaSpread(out)).toBeGreaterThan(lumaSpread(dull) * 1.8);
  });

  it("filter blurs, pixelates and vignettes", async () => {
    const source = await decode(coffee(), "png");
    const blurred = await processed({ filter: { blur: { mode: "gaussian", value: 6 } } });
    const rough = (image: Raster) => image.data.reduce((sum, v, i) => (i >= 4 && i % 4 !== 3 ? sum + Math.abs(v - image.data[i - 4]!) : sum), 0);
    expect(rough(blurred)).toBeLessThan(rough(source) / 3);
    const blocks = await processed({ filter: { pixelate: 10 } });
    expect(pixel(blocks, 0, 0)).toEqual(pixel(blocks, 9, 9));
    expect(pixel(blocks, 290, 190)).toEqual(pixel(blocks, 299, 199));
    const dark = await processed({ filter: { vignette: 100 } });
    expect(meanLuma(dark)).toBeLessThan(meanLuma(source) - 15);
  });

  it("stylize is byte-identical to filter; both together are refused", async () => {
    const section = { blur: { mode: "box", value: 3 }, sepia: true, vignette: 40 };
    const a = await ok(await upload(coffee(), { filter: section, ...png }));
    const b = await ok(await upload(coffee(), { stylize: section, ...png }));
    expect(b.output.sha1).toBe(a.output.sha1);
    await expectEnvelope(await upload(coffee(), { filter: { sepia: true }, stylize: { sepia: true } }), 422, /^Use either 'filter' or its alias 'stylize', not both/);
  });

  it("runs auto, then adjust, then filter, whatever the key order", async () => {
    // White (adjust) then negative (filter) is black; the other order would be white.
    const out = await processed({ filter: { negative: true }, adjust: { brightness: 100 } });
    expect(pixel(out, 5, 5)).toEqual([0, 0, 0, 255]);
  });
});

describe("fetch", () => {
  it("applies the sections to a downloaded image (JSON body)", async () => {
    const { port } = inject("origin");
    const res = await call("/1.0/fetch", {
      key,
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ url: `http://127.0.0.1:${port}/chelsea.jpg`, adjust: { saturation: -100 }, stylize: { blur: { value: 2 } }, ...png }),
    });
    const out = await outputPixels(await ok(res));
    expect([out.width, out.height]).toEqual([451, 300]);
    expect(chromas(out).every((c) => c <= 1)).toBe(true);
  });
});

describe("validation", () => {
  const cases: Array<[string, object, RegExp]> = [
    ["adjust brightness too high", { adjust: { brightness: 150 } }, /^Adjust 'brightness' parameter must be an integer from -100 to 100/],
    ["adjust gamma 0", { adjust: { gamma: 0 } }, /^Adjust 'gamma' parameter must be a number from 0.1 to 10/],
    ["adjust unknown key", { adjust: { sharpness: 3 } }, /^Adjust has no 'sharpness' parameter/],
    ["filter blur mode", { filter: { blur: { mode: "motion", value: 4 } } }, /^Filter blur 'mode' parameter must be one of 'gaussian', 'box'/],
    ["stylize pixelate", { stylize: { pixelate: 500 } }, /^Stylize 'pixelate' parameter must be a positive integer of at most 100/],
    ["auto enhance", { auto: { enhance: "please" } }, /^Auto 'enhance' parameter must be a boolean/],
    ["auto not an object", { auto: true }, /'auto' must be an object/],
  ];
  for (const [name, document, message] of cases) {
    it(name, async () => {
      await expectEnvelope(await upload(coffee(), document), 422, message);
    });
  }
});

/**
 * The watermark step: placement at the 9 gravities with padding, opacity, scale and shrink-to-fit
 * read back from the pixels of real outputs (solid-colour watermarks on solid-colour images), alpha
 * compositing over opaque and transparent images, unknown, deleted and other accounts' ids, and
 * validation; plus the placement arithmetic and the decoded-watermark cache on their own.
 */
import { beforeAll, describe, expect, inject, it } from "vitest";
import { RasterCache } from "../../src/image/watermark-cache";
import { createRaster } from "../../src/image/raster";
import { watermarkBox } from "../../src/image/steps/watermark";
import { decode } from "../../src/image/transcode";
import type { WatermarkPlan } from "../../src/request/watermark";
import { call, createAccount, expectEnvelope } from "./helpers";
import { syntheticPhoto } from "./images";
import { pixel } from "./metrics";
import { boundingBox, encoded, near, processedPixels, processUpload, solid, uploadWatermark, type ProcessDoc, type Rgba } from "./watermark-helpers";

const RED: Rgba = [255, 0, 0, 255];
const BLUE: Rgba = [0, 0, 255, 255];

let key = "";
let blueImage: Uint8Array = new Uint8Array();
let redMark = "";
beforeAll(async () => {
  key = (await createAccount()).masterKey;
  blueImage = await encoded(solid(200, 100, BLUE));
  redMark = await uploadWatermark(key, await encoded(solid(20, 10, RED)), "red 20×10");
});

function redBox(document: object, image = blueImage) {
  return processedPixels(key, image, { output: { format: "png" }, ...document }).then(({ raster }) => boundingBox(raster, near(RED, 2)));
}

describe("placement", () => {
  // 200×100 image, 20×10 watermark, padding 5: the room is 190×90 at (5, 5).
  const cases: Array<[string, number, number]> = [
    ["top-left", 5, 5],
    ["top", 90, 5],
    ["top-right", 175, 5],
    ["left", 5, 45],
    ["center", 90, 45],
    ["right", 175, 45],
    ["bottom-left", 5, 85],
    ["bottom", 90, 85],
    ["bottom-right", 175, 85],
  ];
  for (const [gravity, x, y] of cases) {
    it(`puts the watermark at ${gravity}, 5 px from the edges`, async () => {
      expect(await redBox({ watermark: { id: redMark, gravity, padding: 5 } })).toEqual({ x, y, width: 20, height: 10 });
    });
  }

  it("defaults to the center without padding, and takes numeric strings", async () => {
    expect(await redBox({ watermark: { id: redMark } })).toEqual({ x: 90, y: 45, width: 20, height: 10 });
    expect(await redBox({ watermark: { id: redMark, gravity: "BOTTOM-RIGHT", padding: "12", opacity: "1" } })).toEqual({ x: 168, y: 78, width: 20, height: 10 });
  });

  it("applies after resize and padding, on the final canvas", async () => {
    const doc = { resize: { width: 100 }, padding: { size: 10, background: "#0000ff" }, watermark: { id: redMark, gravity: "top-left" } };
    const { raster } = await processedPixels(key, blueImage, { output: { format: "png" }, ...doc });
    expect([raster.width, raster.height]).toEqual([120, 70]);
    expect(boundingBox(raster, near(RED, 2))).toEqual({ x: 0, y: 0, width: 20, height: 10 });
  });
});

describe("size", () => {
  it("scales the watermark to a fraction of the image width", async () => {
    expect(await redBox({ watermark: { id: redMark, scale: 0.5 } })).toEqual({ x: 50, y: 25, width: 100, height: 50 });
    expect(await redBox({ watermark: { id: redMark, scale: 0.05, gravity: "top-left" } })).toEqual({ x: 0, y: 0, width: 10, height: 5 });
  });

  it("shrinks a scaled watermark to fit inside the padding, keeping its aspect", async () => {
    // scale 1 asks for 200×100; the room is 180×80, so 160×80.
    expect(await redBox({ watermark: { id: redMark, scale: 1, padding: 10 } })).toEqual({ x: 20, y: 10, width: 160, height: 80 });
  });

  it("shrinks a watermark larger than the image to fit, keeping its aspect", async () => {
    const wide = await uploadWatermark(key, await encoded(solid(400, 100, RED)));
    // The room is 180×80: 400×100 × 0.45 = 180×45, centred vertically.
    expect(await redBox({ watermark: { id: wide, padding: 10 } })).toEqual({ x: 10, y: 28, width: 180, height: 45 });
    const tall = await uploadWatermark(key, await encoded(solid(50, 300, RED)));
    expect(await redBox({ watermark: { id: tall, gravity: "right" } })).toEqual({ x: 183, y: 0, width: 17, height: 100 });
  });

  it("answers 422 when the padding leaves no room", async () => {
    const res = await processUpload(key, blueImage, { watermark: { id: redMark, padding: 50 } });
    await expectEnvelope(res, 422, /Watermark 'padding' parameter \(50 px\) leaves no room .* 200×100 image/);
  });
});

describe("blending", () => {
  it("blends at opacity 0.5 as half of each colour, and leaves the rest alone", async () => {
    const { raster } = await processedPixels(key, blueImage, { output: { format: "png" }, watermark: { id: redMark, opacity: 0.5 } });
    const [r, g, b, a] = pixel(raster, 100, 50);
    expect(Math.abs(r - 127.5)).toBeLessThanOrEqual(1);
    expect(g).toBe(0);
    expect(Math.abs(b - 127.5)).toBeLessThanOrEqual(1);
    expect(a).toBe(255);
    expect(pixel(raster, 89, 50)).toEqual(BLUE);
    expect(pixel(raster, 110, 50)).toEqual(BLUE);
  });

  it("leaves the image unchanged at opacity 0", async () => {
    expect(await redBox({ watermark: { id: redMark, opacity: 0 } })).toBeNull();
  });

  it("composites over a transparent image with straight alpha", async () => {
    const clear = await encoded(solid(100, 100, [0, 0, 0, 0]));
    const half = await uploadWatermark(key, await encoded(solid(20, 20, [255, 0, 0, 128])));
    const opaque = await processedPixels(key, clear, { output: { format: "png" }, watermark: { id: redMark, gravity: "top-left" } });
    expect(pixel(opaque.raster, 5, 5)).toEqual(RED);
    expect(pixel(opaque.raster, 50, 50)[3]).toBe(0);
    const faded = await processedPixels(key, clear, { output: { format: "png" }, watermark: { id: half, opacity: 0.5 } });
    expect(boundingBox(faded.raster, (p) => p[3] > 0)).toEqual({ x: 40, y: 40, width: 20, height: 20 });
    const [r, g, b, a] = pixel(faded.raster, 50, 50);
    expect([r, g, b]).toEqual([255, 0, 0]);
    expect(Math.abs(a - 64)).toBeLessThanOrEqual(1);
  });

  it("composites over a half-transparent image per Porter-Duff 'over'", async () => {
    const glass = await encoded(solid(100, 100, [0, 0, 255, 128]));
    const { raster } = await processedPixels(key, glass, { output: { format: "png" }, watermark: { id: redMark, opacity: 0.5 } });
    // sa = 0.5, da = 128/255 · 0.5; a = sa + da; colour = (src·sa + dst·da) / a.
    const da = (128 / 255) * 0.5;
    const alpha = 0.5 + da;
    const [r, g, b, a] = pixel(raster, 50, 50);
    expect(Math.abs(r - (255 * 0.5) / alpha)).toBeLessThanOrEqual(1);
    expect(g).toBe(0);
    expect(Math.abs(b - (255 * da) / alpha)).toBeLessThanOrEqual(1);
    expect(Math.abs(a - alpha * 255)).toBeLessThanOrEqual(1);
    expect(pixel(raster, 5, 5)).toEqual([0, 0, 255, 128]);
  });

  it("keeps an opaque image opaque under a partly transparent watermark, and a transparent image transparent", async () => {
    const line = solid(30, 30, [255, 255, 255, 0]);
    for (let i = 0; i < 30; i++) line.data.set([255, 255, 255, 200], (i * 30 + i) * 4);
    const diagonal = await uploadWatermark(key, await encoded(line));
    const photo = syntheticPhoto(200, 100);
    const onPhoto = await processedPixels(key, await encoded(photo), { output: { format: "png" }, watermark: { id: diagonal, opacity: 0.7 } });
    expect(onPhoto.doc.output.depth).toBe(24);
    expect(boundingBox(onPhoto.raster, (p) => p[3] !== 255)).toBeNull();
    // The 30×30 mark sits at (85, 35): on its diagonal the photo is mixed with white, elsewhere untouched.
    const sa = (200 / 255) * 0.7;
    const under = pixel(photo, 95, 45);
    const mixed = pixel(onPhoto.raster, 95, 45);
    for (let c = 0; c < 3; c++) expect(Math.abs(mixed[c]! - (255 * sa + under[c]! * (1 - sa)))).toBeLessThanOrEqual(1);
    expect(pixel(onPhoto.raster, 95, 46)).toEqual(pixel(photo, 95, 46));
    for (let i = 3; i < photo.data.length; i += 4) photo.data[i] = 100;
    photo.opaque = false;
    const onGlass = await processedPixels(key, await encoded(photo), { output: { format: "png" }, watermark: { id: diagonal } });
    expect(onGlass.doc.output.depth).toBe(32);
    expect(pixel(onGlass.raster, 5, 5)[3]).toBe(100);
    // On the line: alpha = sa + da · (1 − sa) with sa = 200/255, da = 100/255.
    const lineAlpha = 200 / 255 + (100 / 255) * (1 - 200 / 255);
    expect(Math.abs(pixel(onGlass.raster, 95, 45)[3] - lineAlpha * 255)).toBeLessThanOrEqual(1);
    expect(pixel(onGlass.raster, 95, 46)[3]).toBe(100);
  });

  it("works on fetched images and JPEG outputs", async () => {
    const { port } = inject("origin");
    const res = await call("/1.0/fetch", {
      key,
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ url: `http://127.0.0.1:${port}/chelsea.jpg`, watermark: { id: redMark, gravity: "top-left", padding: 0 }, output: { format: "jpeg", quality: 95 } }),
    });
    const doc = (await res.json()) as ProcessDoc;
    expect(res.status, JSON.stringify(doc)).toBe(200);
    expect([doc.output.width, doc.output.height]).toEqual([451, 300]);
    const out = new Uint8Array(await (await call(new URL(doc.output.url).pathname)).arrayBuffer());
    const raster = await decode(out, "jpeg");
    expect(near(RED, 40)(pixel(raster, 10, 5))).toBe(true);
    expect(near(RED, 40)(pixel(raster, 30, 15))).toBe(false);
  });
});

describe("watermark ids", () => {
  it("answers an unknown id with 422 naming it", async () => {
    await expectEnvelope(await processUpload(key, blueImage, { watermark: { id: "AAAAAAAAAA" } }), 422, /Watermark 'id' parameter: watermark 'AAAAAAAAAA' was not found/);
    await expectEnvelope(await processUpload(key, blueImage, { watermark: { id: "../x" } }), 422, /not found/);
  });

  it("answers another account's id as unknown", async () => {
    const other = (await createAccount()).masterKey;
    await expectEnvelope(await processUpload(other, blueImage, { watermark: { id: redMark } }), 422, /not found/);
  });

  it("answers a deleted watermark's id as unknown, even right after it was used", async () => {
    const id = await uploadWatermark(key, await encoded(solid(8, 8, RED)));
    expect(await redBox({ watermark: { id, gravity: "top-left" } })).toEqual({ x: 0, y: 0, width: 8, height: 8 });
    expect((await call(`/1.0/watermarks/${id}`, { key, method: "DELETE" })).status).toBe(200);
    await expectEnvelope(await processUpload(key, blueImage, { watermark: { id } }), 422, /not found/);
  });

  it("looks the id up before downloading a fetch source", async () => {
    const { port } = inject("origin");
    const res = await call("/1.0/fetch", {
      key,
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ url: `http://127.0.0.1:${port}/status/500`, watermark: { id: "BBBBBBBBBB" } }),
    });
    await expectEnvelope(res, 422, /Watermark 'id'/);
  });
});

describe("validation", () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ["no id", { gravity: "top" }, /Watermark 'id' parameter is required/],
    ["empty id", { id: "" }, /Watermark 'id' parameter is required/],
    ["id not a string", { id: 5 }, /Watermark 'id' parameter must be a string/],
    ["opacity above 1", { id: "x", opacity: 1.5 }, /Watermark 'opacity' parameter must be a number from 0 to 1/],
    ["opacity below 0", { id: "x", opacity: -0.1 }, /Watermark 'opacity' parameter/],
    ["opacity not a number", { id: "x", opacity: "half" }, /Watermark 'opacity' parameter/],
    ["scale 0", { id: "x", scale: 0 }, /Watermark 'scale' parameter must be a number greater than 0 and at most 1/],
    ["scale above 1", { id: "x", scale: 2 }, /Watermark 'scale' parameter/],
    ["negative padding", { id: "x", padding: -1 }, /Watermark 'padding' parameter must be an integer from 0 to 4096/],
    ["fractional padding", { id: "x", padding: 1.5 }, /Watermark 'padding' parameter/],
    ["unknown gravity", { id: "x", gravity: "middle" }, /Watermark 'gravity' parameter must be one of/],
    ["face gravity", { id: "x", gravity: "face" }, /Watermark 'gravity' parameter/],
    ["unknown key", { id: "x", size: 3 }, /Watermark has no 'size' parameter/],
    ["not an object", "logo", /'watermark' must be an object/],
  ];
  for (const [name, watermark, message] of cases) {
    it(`answers 422 for ${name}`, async () => {
      const res = await call("/1.0/fetch", {
        key,
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ url: "https://images.example.com/a.jpg", watermark }),
      });
      await expectEnvelope(res, 422, message);
    });
  }

  it("treats null and {} as not given", async () => {
    expect(await redBox({ watermark: null })).toBeNull();
    expect(await redBox({ watermark: {} })).toBeNull();
  });
});

describe("placement arithmetic", () => {
  const plan = (extra: Partial<WatermarkPlan>): WatermarkPlan => ({ id: "x", gravity: "center", padding: 0, opacity: 1, ...extra });

  it("keeps the natural size when it fits and shrinks it, aspect kept, when it does not", () => {
    expect(watermarkBox(1000, 500, { width: 100, height: 50 }, plan({}))).toEqual({ x: 450, y: 225, width: 100, height: 50 });
    expect(watermarkBox(1000, 500, { width: 2000, height: 100 }, plan({ padding: 50 }))).toEqual({ x: 50, y: 228, width: 900, height: 45 });
    expect(watermarkBox(10, 10, { width: 1000, height: 1 }, plan({}))).toEqual({ x: 0, y: 5, width: 10, height: 1 });
  });

  it("scales to a fraction of the width, up or down", () => {
    expect(watermarkBox(1000, 500, { width: 100, height: 50 }, plan({ scale: 0.3, gravity: "bottom-right", padding: 7 }))).toEqual({ x: 693, y: 343, width: 300, height: 150 });
    expect(watermarkBox(1000, 500, { width: 4000, height: 400 }, plan({ scale: 0.1, gravity: "top-left" }))).toEqual({ x: 0, y: 0, width: 100, height: 10 });
  });
});

describe("decoded watermark cache", () => {
  const raster = (side: number) => createRaster(side, side);

  it("keeps the most recently used rasters within its byte budget", () => {
    const cache = new RasterCache(3 * 400);
    const [a, b, c, d] = [raster(10), raster(10), raster(10), raster(10)];
    cache.set("a", "1", a);
    cache.set("b", "1", b);
    cache.set("c", "1", c);
    expect(cache.bytes).toBe(1200);
    expect(cache.get("a", "1")).toBe(a); // a is now the most recently used
    cache.set("d", "1", d);
    expect(cache.get("b", "1")).toBeUndefined();
    expect([cache.get("a", "1"), cache.get("c", "1"), cache.get("d", "1")]).toEqual([a, c, d]);
    expect(cache.bytes).toBe(1200);
  });

  it("never serves another version, drops what is evicted, and skips rasters over the budget", () => {
    const cache = new RasterCache(1000);
    cache.set("a", "v1", raster(10));
    expect(cache.get("a", "v2")).toBeUndefined();
    expect(cache.size).toBe(0);
    cache.set("a", "v1", raster(10));
    cache.evict("a");
    expect(cache.get("a", "v1")).toBeUndefined();
    expect(cache.bytes).toBe(0);
    cache.set("big", "v1", raster(16));
    expect(cache.size).toBe(0);
  });
});

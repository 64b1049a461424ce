/** The geometric steps on rasters built here and on decoded fixtures: flip, rotate, crop, mask, border, padding. */
import { describe, expect, it } from "vitest";
import { blit, checkCanvas, compositeOver, fillCanvas } from "../../src/image/canvas";
import { createRaster, type Raster } from "../../src/image/raster";
import { border as borderStep } from "../../src/image/steps/border";
import { crop, cropRegion } from "../../src/image/steps/crop";
import { flip } from "../../src/image/steps/flip";
import { mask } from "../../src/image/steps/mask";
import { padding as paddingStep } from "../../src/image/steps/padding";
import { rotate as rotateStep, rotatedSize } from "../../src/image/steps/rotate";
import { decode } from "../../src/image/transcode";
import { parseBorder } from "../../src/request/border";
import { TRANSPARENT, WHITE, type Rgba } from "../../src/request/color";
import { parseCrop, type RatioCrop, type RectCrop } from "../../src/request/crop";
import { parseFlip } from "../../src/request/flip";
import { GRAVITIES } from "../../src/request/gravity";
import { parseMask, type MaskPlan } from "../../src/request/mask";
import { parsePadding } from "../../src/request/padding";
import { parseRotate, type RotatePlan } from "../../src/request/rotate";
import { fixture } from "./fixtures";
import { expect422 } from "./helpers";
import { pixel } from "./metrics";

/** Canvas limits for the unit tests: well above any image built here. */
const LIMITS = { maxPixels: 50_000_000 };
const rotate = (image: Raster, plan: Parameters<typeof rotateStep>[1]) => rotateStep(image, plan, LIMITS);
const padding = (image: Raster, plan: Parameters<typeof paddingStep>[1]) => paddingStep(image, plan, LIMITS);
const border = (image: Raster, plan: Parameters<typeof borderStep>[1]) => borderStep(image, plan, LIMITS);

type Px = [number, number, number, number];

function build(width: number, height: number, color: (x: number, y: number) => Px): Raster {
  const image = createRaster(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) image.data.set(color(x, y), (y * width + x) * 4);
  }
  image.opaque = !image.data.some((v, i) => i % 4 === 3 && v !== 255);
  return image;
}

/** Every pixel different: the pixel's index spread over the colour channels. */
function numbered(width: number, height: number): Raster {
  return build(width, height, (x, y) => {
    const n = y * width + x;
    return [n & 255, (n >> 8) & 255, (x * 37 + y * 11) & 255, 255];
  });
}

/** Asserts out(x, y) = src(map(x, y)) for every pixel of `out`. */
function expectPermutation(out: Raster, src: Raster, map: (x: number, y: number) => [number, number]): void {
  let mismatches = 0;
  for (let y = 0; y < out.height; y++) {
    for (let x = 0; x < out.width; x++) {
      const [sx, sy] = map(x, y);
      if (pixel(out, x, y).join() !== pixel(src, sx, sy).join()) mismatches++;
    }
  }
  expect(mismatches).toBe(0);
}

const rgba = (c: Rgba): Px => [c.r, c.g, c.b, c.a];
const RED: Rgba = { r: 255, g: 0, b: 0, a: 255 };
const GREEN: Rgba = { r: 0, g: 200, b: 0, a: 255 };
const BLUE: Rgba = { r: 0, g: 0, b: 255, a: 255 };
const rotation = (angle: number, background: Rgba = TRANSPARENT): RotatePlan => ({ angle, background });

describe("flip", () => {
  const src = numbered(7, 5);
  it("mirrors left-right, top-bottom and both, pixel-exactly", () => {
    expectPermutation(flip(src, { horizontal: true, vertical: false }), src, (x, y) => [6 - x, y]);
    expectPermutation(flip(src, { horizontal: false, vertical: true }), src, (x, y) => [x, 4 - y]);
    expectPermutation(flip(src, { horizontal: true, vertical: true }), src, (x, y) => [6 - x, 4 - y]);
  });

  it("leaves its input alone and is its own inverse on a photograph", async () => {
    const photo = await decode(fixture("chelsea.jpg"), "jpeg");
    const copy = photo.data.slice();
    const both = { horizontal: true, vertical: true };
    expect(flip(flip(photo, both), both).data).toEqual(photo.data);
    expect(photo.data).toEqual(copy);
  });

  it("parses to nothing when neither direction is asked", () => {
    expect(parseFlip({ horizontal: false, vertical: null })).toBeUndefined();
    expect(parseFlip({})).toBeUndefined();
    expect(parseFlip({ vertical: "true" })).toEqual({ horizontal: false, vertical: true });
  });
});

describe("rotate by right angles", () => {
  const src = numbered(6, 4);
  it("90°, 180° and 270° are exact permutations; 90° and 270° swap the sides", () => {
    const r90 = rotate(src, rotation(90));
    expect([r90.width, r90.height]).toEqual([4, 6]);
    expectPermutation(r90, src, (x, y) => [y, 3 - x]);
    const r180 = rotate(src, rotation(180));
    expect([r180.width, r180.height]).toEqual([6, 4]);
    expectPermutation(r180, src, (x, y) => [5 - x, 3 - y]);
    const r270 = rotate(src, rotation(270));
    expect([r270.width, r270.height]).toEqual([4, 6]);
    expectPermutation(r270, src, (x, y) => [5 - y, x]);
  });

  it("normalises angles modulo 360, clockwise", () => {
    expect(parseRotate({ angle: -90 })?.angle).toBe(270);
    expect(parseRotate({ angle: 450 })?.angle).toBe(90);
    expect(parseRotate({ angle: "-270" })?.angle).toBe(90);
    expect(parseRotate({ angle: 720 })).toBeUndefined();
    expect(parseRotate({ angle: 0, background: "#fff" })).toBeUndefined();
    expect(parseRotate({ angle: 30.5 })).toEqual({ angle: 30.5, background: TRANSPARENT });
  });

  it("agrees with flips on a photograph: 180° = both flips, four quarter turns = identity", async () => {
    const photo = await decode(fixture("coffee.png"), "png");
    expect(rotate(photo, rotation(180)).data).toEqual(flip(photo, { horizontal: true, vertical: true }).data);
    let turned = photo;
    for (let k = 0; k < 4; k++) turned = rotate(turned, rotation(90));
    expect(turned.data).toEqual(photo.data);
    expect(rotate(rotate(photo, rotation(90)), rotation(270)).data).toEqual(photo.data);
  });
});

describe("rotate by other angles", () => {
  it("grows the canvas to the rotated bounding box", () => {
    expect(rotatedSize(100, 50, 45)).toEqual([107, 107]); // ceil(150 · cos 45°) = ceil(106.07)
    expect(rotatedSize(300, 200, 30)).toEqual([360, 324]);
    const out = rotate(build(100, 50, () => [10, 20, 30, 255]), rotation(45));
    expect([out.width, out.height]).toEqual([107, 107]);
  });

  it("fills uncovered corners with the background: transparent by default, or the colour asked", () => {
    const src = build(100, 50, () => [10, 20, 30, 255]);
    const clear = rotate(src, rotation(45));
    expect(pixel(clear, 0, 0)[3]).toBe(0);
    expect(clear.opaque).toBe(false);
    const red = rotate(src, rotation(45, RED));
    expect(pixel(red, 0, 0)).toEqual([255, 0, 0, 255]);
    expect(red.opaque).toBe(true);
    // The edge between image and background is a blend of the two.
    const row = Array.from({ length: red.width }, (_, x) => pixel(red, x, 53));
    expect(row.some(([r]) => r > 10 && r < 255)).toBe(true);
  });

  it("keeps the centre of an opaque image", () => {
    const src = build(101, 61, (x, y) => (Math.abs(x - 50) <= 5 && Math.abs(y - 30) <= 5 ? [200, 100, 50, 255] : [x * 2, y * 4, 90, 255]));
    for (const angle of [45, 30, 137.5, 333]) {
      const out = rotate(src, rotation(angle));
      const centre = pixel(out, Math.floor(out.width / 2), Math.floor(out.height / 2));
      for (let c = 0; c < 4; c++) expect(Math.abs(centre[c]! - pixel(src, 50, 30)[c]!)).toBeLessThanOrEqual(2);
    }
  });

  it("antialiases edges without dark fringes (premultiplied sampling)", () => {
    const out = rotate(fillCanvas(40, 40, WHITE), rotation(30));
    let partial = 0;
    for (let i = 0; i < out.data.length; i += 4) {
      const a = out.data[i + 3]!;
      if (a === 0) continue;
      if (a < 255) partial++;
      expect([out.data[i], out.data[i + 1], out.data[i + 2]]).toEqual([255, 255, 255]);
    }
    expect(partial).toBeGreaterThan(40);
  });

  it("refuses a canvas over the limits", () => {
    expect422(() => rotate(createRaster(16000, 1), rotation(45)), /'rotate' operation would make/);
    expect422(() => rotate(createRaster(16385, 1), rotation(90)), /'rotate'/);
  });
});

describe("crop", () => {
  // A 90×90 source of nine 30×30 blocks, each its own colour.
  const blockColor = (bx: number, by: number): Px => [bx * 100 + 10, by * 100 + 10, 77, 255];
  const grid = build(90, 90, (x, y) => blockColor(Math.floor(x / 30), Math.floor(y / 30)));
  const BLOCK: Record<string, [number, number]> = {
    "top-left": [0, 0], top: [1, 0], "top-right": [2, 0],
    left: [0, 1], center: [1, 1], right: [2, 1],
    "bottom-left": [0, 2], bottom: [1, 2], "bottom-right": [2, 2],
  };
  const rect = (width: number, height: number, more: object = {}): RectCrop => parseCrop({ width, height, ...more }) as RectCrop;

  for (const gravity of GRAVITIES) {
    it(`places a rect by gravity ${gravity}`, () => {
      const out = crop(grid, rect(30, 30, { gravity }));
      expect([out.width, out.height]).toEqual([30, 30]);
      const want = blockColor(...BLOCK[gravity]!);
      for (const [x, y] of [[0, 0], [29, 0], [0, 29], [29, 29], [15, 15]] as const) expect(pixel(out, x, y)).toEqual(want);
    });
  }

  it("takes an explicit top-left origin and ignores gravity then", () => {
    const src = numbered(90, 90);
    const out = crop(src, rect(20, 10, { x: 35, y: 65, gravity: "bottom-right" }));
    expect([out.width, out.height]).toEqual([20, 10]);
    expectPermutation(out, src, (x, y) => [x + 35, y + 65]);
  });

  it("clamps regions to the image", () => {
    expect(cropRegion(90, 90, rect(1000, 40))).toEqual({ x: 0, y: 25, width: 90, height: 40 });
    expect(cropRegion(90, 90, rect(30, 30, { x: 80, y: 70 }))).toEqual({ x: 80, y: 70, width: 10, height: 20 });
    expect(crop(grid, rect(500, 500))).toBe(grid);
  });

  it("refuses a region outside the image", () => {
    expect422(() => crop(grid, rect(10, 10, { x: 90, y: 0 })), /^Crop region is outside the image/);
    expect422(() => crop(grid, rect(10, 10, { y: 200 })), /^Crop region is outside the image/);
  });

  it("takes the largest region of a ratio, placed by gravity", () => {
    const ratio = (r: string, gravity?: string): RatioCrop => parseCrop({ mode: "ratio", ratio: r, gravity }) as RatioCrop;
    expect(cropRegion(160, 90, ratio("1:1"))).toEqual({ x: 35, y: 0, width: 90, height: 90 });
    expect(cropRegion(160, 90, ratio("1:1", "left"))).toEqual({ x: 0, y: 0, width: 90, height: 90 });
    expect(cropRegion(90, 160, ratio("16:9"))).toEqual({ x: 0, y: 55, width: 90, height: 51 });
    expect(cropRegion(90, 160, ratio("16:9", "bottom"))).toEqual({ x: 0, y: 109, width: 90, height: 51 });
    expect(cropRegion(100, 100, ratio("4.5:3"))).toEqual({ x: 0, y: 17, width: 100, height: 67 });
    expect(cropRegion(100, 100, ratio("1:1"))).toEqual({ x: 0, y: 0, width: 100, height: 100 });
    expect(cropRegion(300, 200, ratio("16:9", "top"))).toEqual({ x: 0, y: 0, width: 300, height: 169 });
    // `ratio` alone implies the mode.
    expect(parseCrop({ ratio: "3:2" })).toEqual({ mode: "ratio", ratio: 1.5, gravity: "center" });
  });

  it("crops a decoded photograph exactly", async () => {
    const photo = await decode(fixture("coffee.png"), "png");
    const out = crop(photo, rect(100, 50, { gravity: "bottom-right" }));
    expectPermutation(out, photo, (x, y) => [x + 200, y + 150]);
  });
});

describe("padding", () => {
  const red = fillCanvas(10, 10, RED);
  it("grows each side by its own amount in the background colour", () => {
    const out = padding(red, parsePadding({ top: 1, right: 2, bottom: 3, left: 4, background: "#0000ff" })!);
    expect([out.width, out.height]).toEqual([16, 14]);
    expect(out.opaque).toBe(true);
    expect(pixel(out, 0, 0)).toEqual(rgba(BLUE));
    expect(pixel(out, 3, 5)).toEqual(rgba(BLUE));
    expect(pixel(out, 4, 1)).toEqual(rgba(RED));
    expect(pixel(out, 13, 10)).toEqual(rgba(RED));
    expect(pixel(out, 14, 10)).toEqual(rgba(BLUE));
    expect(pixel(out, 13, 11)).toEqual(rgba(BLUE));
  });

  it("defaults to white, `size` on every side, per-side values overriding it", () => {
    const plan = parsePadding({ size: 5, left: 0 })!;
    expect(plan).toMatchObject({ top: 5, right: 5, bottom: 5, left: 0 });
    const out = padding(red, plan);
    expect([out.width, out.height]).toEqual([15, 20]);
    expect(pixel(out, 14, 0)).toEqual([255, 255, 255, 255]);
    expect(pixel(out, 0, 5)).toEqual(rgba(RED));
    expect(parsePadding({ size: 0, top: null })).toBeUndefined();
  });

  it("transparent padding is alpha 0 and makes the result non-opaque", () => {
    const out = padding(red, parsePadding({ size: 2, background: "#FFFFFF00" })!);
    expect(out.opaque).toBe(false);
    expect(pixel(out, 0, 0)[3]).toBe(0);
    expect(pixel(out, 13, 7)[3]).toBe(0);
    expect(pixel(out, 2, 2)).toEqual(rgba(RED));
  });

  it("refuses a canvas over the limits", () => {
    expect422(() => padding(createRaster(9000, 1), parsePadding({ left: 4096, right: 4096 })!), /'padding' operation would make a 17192×1 image/);
    expect422(() => padding(createRaster(8000, 1), parsePadding({ top: 4096, bottom: 4096 })!), /'padding'/);
  });
});

describe("border", () => {
  const red = fillCanvas(20, 10, RED);
  it("frames the image in the colour, growing each side by size", () => {
    const out = border(red, parseBorder({ size: 3, color: "#00c800" })!);
    expect([out.width, out.height]).toEqual([26, 16]);
    expect(out.opaque).toBe(true);
    for (const [x, y] of [[0, 0], [25, 15], [2, 8], [13, 0], [23, 12]] as const) expect(pixel(out, x, y)).toEqual(rgba(GREEN));
    for (const [x, y] of [[3, 3], [22, 12], [13, 8]] as const) expect(pixel(out, x, y)).toEqual(rgba(RED));
  });

  it("defaults to black", () => {
    const out = border(red, parseBorder({ size: 1 })!);
    expect(pixel(out, 0, 0)).toEqual([0, 0, 0, 255]);
  });

  it("rounds the corners: background outside, the frame along the edges, the image inside", () => {
    const out = border(fillCanvas(40, 30, RED), parseBorder({ size: 4, color: "#00c800", radius: 10 })!);
    expect([out.width, out.height]).toEqual([48, 38]);
    expect(out.opaque).toBe(false);
    for (const [x, y] of [[0, 0], [47, 0], [0, 37], [47, 37]] as const) expect(pixel(out, x, y)[3]).toBe(0);
    for (const [x, y] of [[24, 0], [0, 19], [47, 19], [24, 37]] as const) expect(pixel(out, x, y)).toEqual(rgba(GREEN));
    expect(pixel(out, 24, 19)).toEqual(rgba(RED));
    // The image's own corner follows the inner radius 10 − 4 = 6: its corner pixel is frame.
    expect(pixel(out, 4, 4)).toEqual(rgba(GREEN));
    expect(pixel(out, 4, 19)).toEqual(rgba(RED));
    // Antialiased: in the corner box some pixels are partly transparent, some mix image and frame.
    const corner = [...Array(100).keys()].map((k) => pixel(out, k % 10, Math.floor(k / 10)));
    expect(corner.some(([, , , a]) => a > 0 && a < 255)).toBe(true);
    expect(corner.some(([r, g]) => r > 0 && g > 0)).toBe(true);
  });

  it("fills the rounded-away corners with the background colour when given", () => {
    const out = border(red, parseBorder({ size: 2, radius: 8, background: "#0000ff" })!);
    expect(out.opaque).toBe(true);
    expect(pixel(out, 0, 0)).toEqual(rgba(BLUE));
  });

  it("parses: size is required, the rest has defaults", () => {
    expect(parseBorder({})).toBeUndefined();
    expect(parseBorder({ size: "7" })).toEqual({ size: 7, color: { r: 0, g: 0, b: 0, a: 255 }, radius: 0, background: TRANSPARENT });
    expect422(() => parseBorder({ color: "#fff" }), /^Border 'size' parameter is required/);
  });
});

describe("mask", () => {
  const photo = build(40, 30, (x, y) => [x * 6, y * 8, 120, 255]);
  const plan = (more: object): MaskPlan => parseMask(more)!;

  it("ellipse: background outside, the image inside, antialiased in between", () => {
    const out = mask(photo, plan({ shape: "ellipse" }));
    expect(out.opaque).toBe(false);
    expect(photo.data[3]).toBe(255); // the input is not changed
    let partial = 0;
    for (let y = 0; y < 30; y++) {
      for (let x = 0; x < 40; x++) {
        const r = ((x + 0.5 - 20) / 20) ** 2 + ((y + 0.5 - 15) / 15) ** 2;
        const [, , , a] = pixel(out, x, y);
        if (r < 0.8) expect(pixel(out, x, y)).toEqual(pixel(photo, x, y));
        else if (r > 1.25) expect(a).toBe(0);
        else if (a > 0 && a < 255) partial++;
      }
    }
    expect(partial).toBeGreaterThan(20);
    for (const [x, y] of [[0, 0], [39, 0], [0, 29], [39, 29]] as const) expect(pixel(out, x, y)[3]).toBe(0);
    expect(pixel(out, 20, 15)).toEqual(pixel(photo, 20, 15));
  });

  it("ellipse on an opaque background colour stays opaque", () => {
    const out = mask(photo, plan({ background: "#0000ff" }));
    expect(out.opaque).toBe(true);
    expect(pixel(out, 0, 0)).toEqual(rgba(BLUE));
  });

  it("rectangle with a radius rounds only the corners", () => {
    const out = mask(photo, plan({ shape: "rectangle", radius: 8 }));
    expect(pixel(out, 0, 0)[3]).toBe(0);
    expect(pixel(out, 39, 29)[3]).toBe(0);
    for (const [x, y] of [[20, 0], [0, 15], [39, 15], [20, 29], [20, 15], [8, 8]] as const) expect(pixel(out, x, y)).toEqual(pixel(photo, x, y));
    expect(pixel(out, 1, 3)[3]).toBeGreaterThan(0);
    expect(pixel(out, 1, 3)[3]).toBeLessThan(255);
  });

  it("clamps the radius to half the shorter side (a stadium)", () => {
    const out = mask(photo, plan({ shape: "rectangle", radius: 1000 }));
    expect(pixel(out, 0, 15)[3]).toBeGreaterThan(250); // the edge's midpoint, half a pixel in
    expect(pixel(out, 20, 0)).toEqual(pixel(photo, 20, 0));
    expect(pixel(out, 2, 2)[3]).toBe(0);
  });

  it("parses: ellipse by default, radius only for rectangles, square rectangles do nothing", () => {
    expect(parseMask({})).toBeUndefined();
    expect(parseMask({ background: "fff" })).toEqual({ shape: "ellipse", radius: 0, background: WHITE });
    expect(parseMask({ shape: "rectangle", radius: 0 })).toBeUndefined();
    expect422(() => parseMask({ radius: 5 }), /^Mask 'radius' parameter applies only to shape 'rectangle'/);
  });
});

describe("canvas helpers", () => {
  it("composites straight-alpha over", () => {
    const dst = fillCanvas(2, 1, BLUE);
    const src = build(1, 1, () => [255, 0, 0, 128]);
    compositeOver(dst, src, 1, 0);
    expect(pixel(dst, 0, 0)).toEqual(rgba(BLUE));
    expect(pixel(dst, 1, 0)).toEqual([128, 0, 127, 255]);
    const clear = fillCanvas(1, 1, TRANSPARENT);
    compositeOver(clear, src, 0, 0);
    expect(pixel(clear, 0, 0)).toEqual([255, 0, 0, 128]);
  });

  it("blits with clipping", () => {
    const dst = fillCanvas(3, 3, BLUE);
    blit(dst, fillCanvas(2, 2, RED), 2, -1);
    expect(pixel(dst, 2, 0)).toEqual(rgba(RED));
    expect(pixel(dst, 2, 1)).toEqual(rgba(BLUE));
    expect(pixel(dst, 1, 0)).toEqual(rgba(BLUE));
  });

  it("checks the canvas limits", () => {
    expect(() => checkCanvas("border", 16384, 3000, LIMITS)).not.toThrow();
    expect422(() => checkCanvas("border", 16385, 1, LIMITS), /'border'/);
    expect422(() => checkCanvas("border", 10000, 5001, LIMITS), /50000000 pixels/);
    expect422(() => checkCanvas("border", 2001, 2000, { maxPixels: 4_000_000 }), /2001×2000 image; this server's limit is 16384 pixels per side and 4000000 pixels in all/);
  });
});

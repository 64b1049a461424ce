// The PNG writer's layouts: each is chosen only when it holds the pixels exactly, and every file
// decodes (with the PNG decoder the API uses for input) to the very pixels it was given.
import { describe, expect, it } from "vitest";
import { decode } from "../../src/image/codecs/png";
import { writeIndexedPng, writePng, type IndexedImage } from "../../src/image/codecs/png-writer";
import { exactPalette } from "../../src/image/palette";
import { createRaster, type Raster } from "../../src/image/raster";
import { syntheticPhoto } from "./images";

/** IHDR bit depth and colour type. */
function layoutOf(png: Uint8Array): { bitDepth: number; colourType: number } {
  return { bitDepth: png[24]!, colourType: png[25]! };
}

function hasChunk(png: Uint8Array, type: string): boolean {
  for (let at = 8; at + 8 <= png.length; ) {
    const length = new DataView(png.buffer, png.byteOffset + at).getUint32(0);
    if (String.fromCharCode(...png.subarray(at + 4, at + 8)) === type) return true;
    at += length + 12;
  }
  return false;
}

function grey(width: number, height: number, alpha: boolean): Raster {
  const image = createRaster(width, height, undefined, !alpha);
  for (let i = 0; i < width * height; i++) {
    const v = (i * 7) % 256;
    image.data.set([v, v, v, alpha ? (i * 13) % 256 : 255], i * 4);
  }
  return image;
}

function fewColours(width: number, height: number, colours: number, transparent: boolean): Raster {
  const image = createRaster(width, height, undefined, !transparent);
  for (let i = 0; i < width * height; i++) {
    const c = (i + Math.floor(i / width)) % colours;
    image.data.set([(c * 37) % 256, (c * 91) % 256, c >= 128 ? 200 : 20, transparent && c === 0 ? 0 : transparent && c === 1 ? 128 : 255], i * 4);
  }
  return image;
}

async function roundTrip(png: Uint8Array, image: Raster): Promise<void> {
  const back = await decode(png);
  expect([back.width, back.height]).toEqual([image.width, image.height]);
  expect(Buffer.compare(Buffer.from(back.data), Buffer.from(image.data))).toBe(0);
}

describe("direct layouts", () => {
  it.each([
    ["RGB photo", syntheticPhoto(64, 48), 2],
    ["grey", grey(50, 30, false), 0],
    ["grey + alpha", grey(50, 30, true), 4],
  ])("%s → colour type %i, pixel-identical with either filter strategy", async (_name, image, colourType) => {
    for (const filters of ["adaptive", "none"] as const) {
      const png = await writePng(image, filters);
      expect(layoutOf(png)).toEqual({ bitDepth: 8, colourType });
      await roundTrip(png, image);
    }
  });

  it("RGBA when colours and alpha vary", async () => {
    const image = syntheticPhoto(40, 40);
    image.opaque = false;
    for (let i = 3; i < image.data.length; i += 16) image.data[i] = 10;
    const png = await writePng(image);
    expect(layoutOf(png)).toEqual({ bitDepth: 8, colourType: 6 });
    await roundTrip(png, image);
  });
});

describe("palette layout", () => {
  it.each([
    [2, 1],
    [4, 2],
    [16, 4],
    [200, 8],
  ])("%i colours → %i-bit indices, pixel-identical (odd width, both filter strategies)", async (colours, bitDepth) => {
    const image = fewColours(37, 11, colours, false);
    const indexed = exactPalette(image);
    expect(indexed).not.toBeNull();
    expect(indexed!.palette.length / 4).toBe(colours);
    for (const filters of ["none", "adaptive"] as const) {
      const png = await writeIndexedPng(indexed!, filters);
      expect(layoutOf(png)).toEqual({ bitDepth, colourType: 3 });
      expect(hasChunk(png, "tRNS")).toBe(false);
      await roundTrip(png, image);
    }
  });

  it("transparent palette entries come first and go into tRNS", async () => {
    const image = fewColours(20, 20, 6, true);
    const indexed = exactPalette(image)!;
    expect(indexed.palette[3]).not.toBe(255);
    expect(indexed.palette[7]).not.toBe(255);
    expect([...indexed.palette.subarray(8)].filter((_, i) => i % 4 === 3).every((a) => a === 255)).toBe(true);
    const png = await writeIndexedPng(indexed);
    expect(hasChunk(png, "tRNS")).toBe(true);
    await roundTrip(png, image);
  });

  it("more than 256 colours has no exact palette", () => {
    expect(exactPalette(syntheticPhoto(64, 64))).toBeNull();
    expect(exactPalette(fewColours(40, 40, 257, false))).toBeNull();
  });

  it("refuses impossible palettes", async () => {
    const bad: IndexedImage = { width: 2, height: 1, indices: new Uint8Array(2), palette: new Uint8Array(0) };
    await expect(writeIndexedPng(bad)).rejects.toThrow(/Unable to encode PNG/);
  });
});

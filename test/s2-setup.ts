/**
 * Runs in Node before the workerd tests: reference SSIMULACRA2 scores for
 * test/worker/ssimulacra2.test.ts, handed over through provide/inject.
 *
 * The independent reference is the npm package calc-s2-rust (BSD-2-Clause): a wasm-bindgen build of
 * a fork of rust-av/ssimulacra2 that computes SSIMULACRA 2.0. It traps inside workerd (and on some
 * synthetic inputs), so it runs here, in Node, on real photos only. Each fixture is decoded by
 * sharp and centre-cropped to at most 256 × 256 (keeps the hand-over and the test fast; all 6
 * scales still apply), then distorted by sharp: mozjpeg at q95, 90, 80, 60, 40, 20, WebP q80,
 * AVIF q50, a slight blur, and a downscale to half followed by an upscale back. Both images go to
 * the tests as lossless PNG (workerd's WebSocket caps the hand-over's size; raw RGB did not fit),
 * with calc-s2-rust's score for the pair.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import sharp, { type Sharp } from "sharp";
import type { TestProject } from "vitest/node";
import type { S2Pair, S2Photo } from "./shared/s2-cases";

const PHOTOS = ["chelsea.jpg", "coffee.png", "astronaut.jpg", "rocket.jpg", "camera-gray.jpg"];
const CROP = 256;
const JPEG_QUALITIES = [95, 90, 80, 60, 40, 20];

type Rgb = { data: Buffer; width: number; height: number };

/** The calc-s2-rust functions we use (its .js is ESM without "type": "module": imported by path). */
interface CalcS2 {
  initSync(module: BufferSource): { memory: WebAssembly.Memory };
  new_buffer(key: string, len: number): number;
  calc_s2(a: string, b: string, width: number, height: number): number;
}

async function loadCalcS2(): Promise<(a: Rgb, b: Rgb) => number> {
  const dir = join(import.meta.dirname, "..", "node_modules", "calc-s2-rust");
  const lib = (await import(join(dir, "calc_s2_rust.js"))) as CalcS2;
  const { memory } = lib.initSync(readFileSync(join(dir, "calc_s2_rust_bg.wasm")));
  const put = (key: string, image: Rgb): void => {
    const ptr = lib.new_buffer(key, image.data.length);
    new Uint8Array(memory.buffer, ptr, image.data.length).set(image.data);
  };
  return (a, b) => {
    put("reference", a);
    put("distorted", b);
    return lib.calc_s2("reference", "distorted", a.width, a.height);  // frees both buffers
  };
}

async function decodeCropped(file: string): Promise<Rgb> {
  const image = sharp(file).removeAlpha();
  const { width = 0, height = 0 } = await image.metadata();
  const w = Math.min(CROP, width);
  const h = Math.min(CROP, height);
  const region = { left: Math.floor((width - w) / 2), top: Math.floor((height - h) / 2), width: w, height: h };
  const { data, info } = await image.extract(region).toColourspace("srgb").raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

function raw(image: Rgb): Sharp {
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } });
}

async function decoded(encoded: Buffer | Promise<Buffer>): Promise<Buffer> {
  return sharp(await encoded).removeAlpha().toColourspace("srgb").raw().toBuffer();
}

/** The distortions of one photo, decoded back to packed RGB. */
async function distortions(src: Rgb): Promise<[string, Buffer][]> {
  const out: [string, Buffer][] = [];
  for (const quality of JPEG_QUALITIES) {
    out.push([`jpeg q${quality}`, await decoded(raw(src).jpeg({ quality, mozjpeg: true }).toBuffer())]);
  }
  out.push(["webp q80", await decoded(raw(src).webp({ quality: 80 }).toBuffer())]);
  out.push(["avif q50", await decoded(raw(src).avif({ quality: 50 }).toBuffer())]);
  out.push(["blur 0.6", await raw(src).blur(0.6).raw().toBuffer()]);
  const half = await raw(src).resize(Math.ceil(src.width / 2), Math.ceil(src.height / 2)).raw().toBuffer({ resolveWithObject: true });
  const back = sharp(half.data, { raw: { width: half.info.width, height: half.info.height, channels: 3 } });
  out.push(["down-up 1/2", await back.resize(src.width, src.height, { fit: "fill" }).raw().toBuffer()]);
  return out;
}

/** Lossless PNG, base64: the tests decode it back to exactly these pixels. */
async function png(image: Rgb): Promise<string> {
  return (await raw(image).png({ compressionLevel: 9 }).toBuffer()).toString("base64");
}

export default async function setup(project: TestProject): Promise<void> {
  sharp.cache(false);
  const score = await loadCalcS2();
  const dir = join(import.meta.dirname, "fixtures");
  const photos: S2Photo[] = [];
  for (const name of PHOTOS) {
    const src = await decodeCropped(join(dir, name));
    const pairs: S2Pair[] = [];
    for (const [distortion, data] of await distortions(src)) {
      const reference = score(src, { data, width: src.width, height: src.height });
      pairs.push({ distortion, png: await png({ data, width: src.width, height: src.height }), reference });
    }
    photos.push({ name, width: src.width, height: src.height, png: await png(src), pairs });
  }
  project.provide("s2Photos", photos);
}

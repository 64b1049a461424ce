/**
 * Test helpers for watermarks: solid-colour images encoded by the project's own codecs, uploads of
 * watermarks and of images to process (the Python client's multipart shape), the output read back
 * as pixels, and the bounding box of the pixels matching a test.
 */
import { expect } from "vitest";
import { probe } from "../../src/image/probe";
import { createRaster, type Raster } from "../../src/image/raster";
import { decode, encode } from "../../src/image/transcode";
import type { EncodableFormat } from "../../src/request/output";
import { multipart, type PartSpec } from "../shared/wire";
import { call } from "./helpers";

export type Rgba = [number, number, number, number];

export function solid(width: number, height: number, color: Rgba): Raster {
  const image = createRaster(width, height, undefined, color[3] === 255);
  for (let i = 0; i < image.data.length; i += 4) image.data.set(color, i);
  return image;
}

export function encoded(image: Raster, format: EncodableFormat = "png"): Promise<Uint8Array> {
  return encode(image, { format, quality: 90, progressive: false });
}

export interface WatermarkDoc {
  success: boolean;
  code: number;
  id: string;
  watermark: { id: string; name: string; format: string; width: number; height: number; bytes: number; created: string };
}

const BOUNDARY = "wm7d1b1f5e3c0a4e0b9c2d8f6a5b4e3d2c";

export function postWatermark(key: string, parts: PartSpec[], boundary = BOUNDARY): Promise<Response> {
  return call("/1.0/watermarks", {
    key,
    method: "POST",
    body: multipart(parts, boundary),
    headers: { "Content-Type": `multipart/form-data; boundary=${boundary}` },
  });
}

/** Uploads a watermark and returns its id (fails the test unless the answer is a 200). */
export async function uploadWatermark(key: string, bytes: Uint8Array, name?: string): Promise<string> {
  const parts: PartSpec[] = [{ name: "file", filename: "mark.png", contentType: "image/png", body: bytes }];
  if (name !== undefined) parts.push({ name: "name", body: name });
  const res = await postWatermark(key, parts);
  const doc = (await res.json()) as WatermarkDoc;
  expect(res.status, JSON.stringify(doc)).toBe(200);
  return doc.id;
}

export interface ProcessDoc {
  success: boolean;
  output: { url: string; width: number; height: number; depth: number; format: string };
}

/** POST /1.0/upload as the Python client sends it: `data` first, then `file`. */
export function processUpload(key: string, image: Uint8Array, document: object): Promise<Response> {
  const body = multipart(
    [
      { name: "data", body: JSON.stringify(document) },
      { name: "file", filename: "image.png", body: image },
    ],
    BOUNDARY,
  );
  return call("/1.0/upload", { key, method: "POST", body, headers: { "Content-Type": `multipart/form-data; boundary=${BOUNDARY}` } });
}

/** The processed output's pixels (fails the test unless processing answered 200). */
export async function processedPixels(key: string, image: Uint8Array, document: object): Promise<{ doc: ProcessDoc; raster: Raster }> {
  const res = await processUpload(key, image, document);
  const doc = (await res.json()) as ProcessDoc;
  expect(res.status, JSON.stringify(doc)).toBe(200);
  const out = await call(new URL(doc.output.url).pathname);
  const bytes = new Uint8Array(await out.arrayBuffer());
  return { doc, raster: await decode(bytes, probe(bytes).format) };
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The smallest box holding every pixel for which `matches` is true; null when none does. */
export function boundingBox(image: Raster, matches: (p: Rgba) => boolean): Box | null {
  let x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1;
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const i = (y * image.width + x) * 4;
      const d = image.data;
      if (!matches([d[i]!, d[i + 1]!, d[i + 2]!, d[i + 3]!])) continue;
      x0 = Math.min(x0, x);
      y0 = Math.min(y0, y);
      x1 = Math.max(x1, x);
      y1 = Math.max(y1, y);
    }
  }
  return x1 < 0 ? null : { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

/** Pixels "close to" a colour (channel by channel, within `tolerance`). */
export function near(color: Rgba, tolerance = 8): (p: Rgba) => boolean {
  return (p) => p.every((v, i) => Math.abs(v - color[i]!) <= tolerance);
}

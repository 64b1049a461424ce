/**
 * Runs in Node before the workerd tests: inputs with embedded ICC profiles and sharp's decodes of
 * them for test/worker/icc.test.ts, handed over as base64 through provide/inject.
 *
 * sharp (libvips + lcms) converts an input's embedded profile to sRGB on decode, which is what our
 * conversion must match. Cases:
 *   - rocket.jpg (Adobe RGB (1998), ICC v2, gamma 2.2): its profile's length and SHA-1, and
 *     sharp's decode;
 *   - chelsea converted by sharp to Display P3 and tagged with it (`withIccProfile("p3")`, an lcms
 *     v4 profile with parametric type 3 curves) as PNG (iCCP), lossless WebP (ICCP), AVIF (colr)
 *     and JPEG (APP2); the same with sharp's sRGB profile, which must be recognised as sRGB;
 *   - a synthetic test card (saturated hue sweeps, out of sRGB's gamut once read as a wide-gamut
 *     space, and a grey ramp) stored as PNG with an iCCP chunk inserted here, untouched pixels,
 *     for profiles written here to reach every curve type: "prophoto-mixed" (ICC v4, ProPhoto
 *     colorants; red a 1024-entry sampled curve, green parametric type 4, blue parametric type 2),
 *     "adobe-gammas" (ICC v2, Adobe RGB colorants; red identity `curv` count 0, green a u8Fixed8
 *     gamma 1.8, blue parametric type 1) and "gray-18" (GRAY, kTRC parametric type 0, gamma 1.8, on
 *     a grey PNG); and "srgb-table" (sRGB as HP's v2 profile stores it, sampled curves), which
 *     must be recognised as sRGB.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { crc32, deflateSync } from "node:zlib";
import sharp, { type Sharp } from "sharp";
import type { TestProject } from "vitest/node";
import type { IccImage } from "./shared/icc-samples";

// --- a minimal ICC writer (test only) ------------------------------------------------------------

type TagData = Buffer;

function s15(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(Math.round(v * 65536));
  return b;
}

function xyzTag(x: number, y: number, z: number): TagData {
  return Buffer.concat([Buffer.from("XYZ \0\0\0\0", "latin1"), s15(x), s15(y), s15(z)]);
}

function curvTag(values: number[]): TagData {
  const head = Buffer.alloc(12);
  head.write("curv", 0, "latin1");
  head.writeUInt32BE(values.length, 8);
  const body = Buffer.alloc(values.length * 2);
  values.forEach((v, i) => body.writeUInt16BE(v, i * 2));
  return Buffer.concat([head, body]);
}

function paraTag(fn: number, params: number[]): TagData {
  const head = Buffer.alloc(12);
  head.write("para", 0, "latin1");
  head.writeUInt16BE(fn, 8);
  return Buffer.concat([head, ...params.map(s15)]);
}

function descTag(text: string): TagData {
  const head = Buffer.alloc(12);
  head.write("desc", 0, "latin1");
  head.writeUInt32BE(text.length + 1, 8);
  // ASCII with its NUL, then empty Unicode (language, count) and ScriptCode (code, count, 67 bytes).
  return Buffer.concat([head, Buffer.from(`${text}\0`, "latin1"), Buffer.alloc(8), Buffer.alloc(3 + 67)]);
}

function buildProfile(version: number, space: "RGB " | "GRAY", tags: Array<[string, TagData]>): Buffer {
  const header = Buffer.alloc(128);
  header.write("none", 4, "latin1");
  header.writeUInt32BE(version, 8);
  header.write("mntr", 12, "latin1");
  header.write(space, 16, "latin1");
  header.write("XYZ ", 20, "latin1");
  header.writeUInt16BE(2024, 24);
  header.writeUInt16BE(1, 26);
  header.writeUInt16BE(1, 28);
  header.write("acsp", 36, "latin1");
  s15(0.9642).copy(header, 68);
  s15(1).copy(header, 72);
  s15(0.8249).copy(header, 76);
  const table = Buffer.alloc(4 + tags.length * 12);
  table.writeUInt32BE(tags.length, 0);
  let offset = 128 + table.length;
  const bodies: Buffer[] = [];
  tags.forEach(([signature, data], i) => {
    const padded = Buffer.concat([data, Buffer.alloc((4 - (data.length % 4)) % 4)]);
    table.write(signature, 4 + i * 12, "latin1");
    table.writeUInt32BE(offset, 8 + i * 12);
    table.writeUInt32BE(data.length, 12 + i * 12);
    bodies.push(padded);
    offset += padded.length;
  });
  const profile = Buffer.concat([header, table, ...bodies]);
  profile.writeUInt32BE(profile.length, 0);
  return profile;
}

const D50_WHITE = xyzTag(0.9642, 1, 0.8249);

function prophotoMixed(): Buffer {
  const romm = Array.from({ length: 1024 }, (_, i) => {
    const x = i / 1023;
    return Math.round((x < 16 * 0.001953 ? x / 16 : x ** 1.8) * 65535);
  });
  return buildProfile(0x04300000, "RGB ", [
    ["desc", descTag("ProPhoto mixed curves (test)")],
    ["wtpt", D50_WHITE],
    ["rXYZ", xyzTag(0.7976749, 0.2880402, 0)],
    ["gXYZ", xyzTag(0.1351917, 0.7118741, 0)],
    ["bXYZ", xyzTag(0.0313534, 0.0000857, 0.82521)],
    ["rTRC", curvTag(romm)],
    ["gTRC", paraTag(4, [2.2, 0.92, 0.08, 0.09, 0.06, 0, 0.001])],
    ["bTRC", paraTag(2, [2.0, 0.95, 0.05, -0.0025])],
  ]);
}

function adobeGammas(): Buffer {
  return buildProfile(0x02100000, "RGB ", [
    ["desc", descTag("Adobe RGB colorants, assorted gammas (test)")],
    ["wtpt", D50_WHITE],
    ["rXYZ", xyzTag(0.60974, 0.31111, 0.01947)],
    ["gXYZ", xyzTag(0.20528, 0.62567, 0.06087)],
    ["bXYZ", xyzTag(0.14919, 0.06322, 0.74457)],
    ["rTRC", curvTag([])],
    ["gTRC", curvTag([461])], // u8Fixed8 461/256 = 1.80
    ["bTRC", paraTag(1, [2.6, 1.02, -0.02])],
  ]);
}

/** sRGB the way HP's v2 "sRGB IEC61966-2.1" stores it: 1024-entry sampled curves. */
function srgbTable(): Buffer {
  const curve = curvTag(Array.from({ length: 1024 }, (_, i) => {
    const x = i / 1023;
    return Math.round((x <= 0.04045 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4) * 65535);
  }));
  return buildProfile(0x02100000, "RGB ", [
    ["desc", descTag("sRGB IEC61966-2.1 (sampled curves, test)")],
    ["wtpt", xyzTag(0.95045, 1, 1.08905)],
    ["rXYZ", xyzTag(0.436066, 0.222488, 0.013916)],
    ["gXYZ", xyzTag(0.385147, 0.716873, 0.097076)],
    ["bXYZ", xyzTag(0.143066, 0.060608, 0.714096)],
    ["rTRC", curve],
    ["gTRC", curve],
    ["bTRC", curve],
  ]);
}

function gray18(): Buffer {
  return buildProfile(0x02100000, "GRAY", [
    ["desc", descTag("Gray gamma 1.8 (test)")],
    ["wtpt", D50_WHITE],
    ["kTRC", paraTag(0, [1.8])],
  ]);
}

// --- images -----------------------------------------------------------------------------------------

function hsv(h: number, s: number, v: number): [number, number, number] {
  const f = (n: number): number => {
    const k = (n + h / 60) % 6;
    return v - v * s * Math.max(0, Math.min(k, 4 - k, 1));
  };
  return [f(5), f(3), f(1)].map((c) => Math.round(c * 255)) as [number, number, number];
}

/** 256×160: hue across, saturation down (full value) then value down (full saturation); a grey ramp. */
function testCard(): { data: Buffer; width: number; height: number } {
  const width = 256;
  const height = 160;
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const hue = (x * 360) / width;
      const rgb = y < 64 ? hsv(hue, 1 - y / 64, 1) : y < 128 ? hsv(hue, 1, 1 - (y - 64) / 64) : [x, x, x];
      data.set(rgb, (y * width + x) * 3);
    }
  }
  return { data, width, height };
}

/** A PNG with an iCCP chunk inserted after IHDR; the pixels are not converted. */
function withIccp(png: Buffer, profile: Buffer, name = "test"): Buffer {
  const data = Buffer.concat([Buffer.from(`${name}\0\0`, "latin1"), deflateSync(profile)]);
  const type = Buffer.from("iCCP", "latin1");
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([type, data])));
  const ihdrEnd = 8 + 12 + 13;
  return Buffer.concat([png.subarray(0, ihdrEnd), length, type, data, crc, png.subarray(ihdrEnd)]);
}

async function image(name: string, format: IccImage["format"], file: Buffer): Promise<IccImage> {
  const { data, info } = await sharp(file).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 4) throw new Error(`${name}: sharp decoded ${info.channels} channels`);
  return { name, format, file: file.toString("base64"), width: info.width, height: info.height, reference: data.toString("base64") };
}

async function iccOf(file: Buffer): Promise<Buffer> {
  const icc = (await sharp(file).metadata()).icc;
  if (!icc) throw new Error("sharp embedded no profile");
  return icc;
}

export default async function setup(project: TestProject): Promise<void> {
  sharp.cache(false);
  const dir = join(import.meta.dirname, "fixtures");
  const rocket = readFileSync(join(dir, "rocket.jpg"));
  const rocketIcc = await iccOf(rocket);
  const images: IccImage[] = [await image("rocket.jpg", "jpeg", rocket)];

  const chelsea = await sharp(join(dir, "chelsea.jpg")).toBuffer();
  const p3 = (s: Sharp): Sharp => s.withIccProfile("p3");
  images.push(await image("chelsea-p3.png", "png", await p3(sharp(chelsea)).png().toBuffer()));
  images.push(await image("chelsea-p3.webp", "webp", await p3(sharp(chelsea)).webp({ lossless: true }).toBuffer()));
  images.push(await image("chelsea-p3.avif", "avif", await p3(sharp(chelsea)).avif({ quality: 90 }).toBuffer()));
  images.push(await image("chelsea-p3.jpg", "jpeg", await p3(sharp(chelsea)).jpeg({ quality: 95 }).toBuffer()));
  images.push(await image("chelsea-srgb.png", "png", await sharp(chelsea).withIccProfile("srgb").png().toBuffer()));

  const card = testCard();
  const cardPng = await sharp(card.data, { raw: { width: card.width, height: card.height, channels: 3 } }).png().toBuffer();
  const built = { "prophoto-mixed": prophotoMixed(), "adobe-gammas": adobeGammas(), "gray-18": gray18(), "srgb-table": srgbTable() };
  images.push(await image("card-prophoto-mixed.png", "png", withIccp(cardPng, built["prophoto-mixed"])));
  images.push(await image("card-adobe-gammas.png", "png", withIccp(cardPng, built["adobe-gammas"])));
  const grey = await sharp(card.data, { raw: { width: card.width, height: card.height, channels: 3 } }).toColourspace("b-w").png().toBuffer();
  images.push(await image("card-gray-18.png", "png", withIccp(grey, built["gray-18"])));

  const profiles: Record<string, string> = { rocket: rocketIcc.toString("base64") };
  for (const [name, bytes] of Object.entries(built)) profiles[name] = bytes.toString("base64");
  profiles.p3 = (await iccOf(Buffer.from(images[1]!.file, "base64"))).toString("base64");
  profiles.srgb = (await iccOf(Buffer.from(images[5]!.file, "base64"))).toString("base64");

  project.provide("icc", {
    rocket: { length: rocketIcc.length, sha1: createHash("sha1").update(rocketIcc).digest("hex"), description: "Adobe RGB (1998)" },
    images,
    profiles,
  });
}

/**
 * The project's libjpeg-turbo build (wasm/dist/jpeg.wasm) inside workerd: scaled decoding against
 * the jSquash (MozJPEG) decoder, CMYK/YCCK, hostile input, lossless transcoding, and the cost of
 * a 3840×2400 decode at each scale.
 */
import { describe, expect, it } from "vitest";
import { concatBytes } from "../../src/image/bytes";
import * as jpeg from "../../src/image/codecs/jpeg";
import { decodeScaled, JPEG_SCALES, scaledSize, transcode, type JpegScale } from "../../src/image/codecs/jpeg-turbo";
import { codecMemory, releaseCodecs } from "../../src/image/codecs/instance";
import { extractRegion } from "../../src/image/canvas";
import { createRaster, type Raster } from "../../src/image/raster";
import { resize as resample } from "../../src/image/resample";
import { encode } from "../../src/image/transcode";
import { randomBytes } from "./bytes";
import { fixture } from "./fixtures";
import { rejection } from "./helpers";
import { syntheticPhoto } from "./images";
import { pixel, psnr, ssim } from "./metrics";

const JPEG_FIXTURES = ["astronaut.jpg", "camera-gray.jpg", "chelsea-orientation6.jpg", "chelsea-progressive.jpg", "chelsea.jpg", "rocket.jpg"];
/** 1/1 first, then the smaller scales. */
const SCALES: JpegScale[] = [...JPEG_SCALES].reverse();
/** The scales that are whole fractions (1/1, 1/2, 1/4, 1/8). */
const DENOMINATORS = [1, 2, 4, 8] as const;
const fraction = (scale: JpegScale): string => `${scale * 8}/8`;

const fromBase64 = (lines: string[]): Uint8Array => Uint8Array.from(atob(lines.join("")), (ch) => ch.charCodeAt(0));

/**
 * 32×32 CMYK JPEGs written with native libjpeg-turbo 2.1.5 (quality 100, no subsampling), four
 * quadrants of known ink (C, M, Y, K; 255 = full): none, cyan, magenta + yellow, 50% black.
 * ADOBE_CMYK is stored inverted with an Adobe APP14 marker (transform 0), as Photoshop writes it;
 * ADOBE_YCCK the same through libjpeg's YCCK transform (Adobe transform 2); PLAIN_CMYK has no
 * Adobe marker and is stored as ink amounts.
 */
const ADOBE_CMYK = fromBase64([
  "/9j/7gAOQWRvYmUAZAAAAAAA/9sAQwABAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEB",
  "AQEBAQEBAQEBAQEB/8AAFAgAIAAgBEMRAE0RAFkRAEsRAP/EAB8AAAEFAQEBAQEBAAAAAAAAAAABAgMEBQYHCAkKC//EALUQAAIB",
  "AwMCBAMFBQQEAAABfQECAwAEEQUSITFBBhNRYQcicRQygZGhCCNCscEVUtHwJDNicoIJChYXGBkaJSYnKCkqNDU2Nzg5OkNERUZH",
  "SElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6g4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV",
  "1tfY2drh4uPk5ebn6Onq8fLz9PX29/j5+v/aAA4EQwBNAFkASwAAPwD+/iv7+K/v4r+/iiiiiv8AAHooooooor/f4ooooooor/AH",
  "ooooooor/f4r/AHr/AHoooooor/f4r/f4r/P/ooooor/AAB6/wAAev8AQAooooor/f4r/f4r/P8A6KKKK//Z",
]);
const ADOBE_YCCK = fromBase64([
  "/9j/7gAOQWRvYmUAZAAAAAAC/9sAQwABAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEB",
  "AQEBAQEBAQEBAQEB/9sAQwEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEB",
  "AQEBAQEB/8AAFAgAIAAgBAERAAIRAQMRAQQRAP/EAB8AAAEFAQEBAQEBAAAAAAAAAAABAgMEBQYHCAkKC//EALUQAAIBAwMCBAMF",
  "BQQEAAABfQECAwAEEQUSITFBBhNRYQcicRQygZGhCCNCscEVUtHwJDNicoIJChYXGBkaJSYnKCkqNDU2Nzg5OkNERUZHSElKU1RV",
  "VldYWVpjZGVmZ2hpanN0dXZ3eHl6g4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV1tfY2drh",
  "4uPk5ebn6Onq8fLz9PX29/j5+v/EAB8BAAMBAQEBAQEBAQEAAAAAAAABAgMEBQYHCAkKC//EALURAAIBAgQEAwQHBQQEAAECdwAB",
  "AgMRBAUhMQYSQVEHYXETIjKBCBRCkaGxwQkjM1LwFWJy0QoWJDThJfEXGBkaJicoKSo1Njc4OTpDREVGR0hJSlNUVVZXWFlaY2Rl",
  "ZmdoaWpzdHV2d3h5eoKDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uLj5OXm5+jp",
  "6vLz9PX29/j5+v/aAA4EAQACEQMRBAAAPwD/AD/6AP7+KKACv6YK/wApz/v4CigAr+Z+v9WD/gHCigAr+mCv8pz/AL+AooAK/s4r",
  "/qwP/AHCigAr/Jnr/Kc/9AA/z/6KACv9Ziv9WD/z/wA/0AKKACv8mev8pz/0AD/P/ooAK//Z",
]);
const PLAIN_CMYK = fromBase64([
  "/9j/2wBDAAEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQH/wAAU",
  "CAAgACAEQxEATREAWREASxEA/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQID",
  "AAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZn",
  "aGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx",
  "8vP09fb3+Pn6/9oADgRDAE0AWQBLAAA/AP8AP/r/AD/6/wA/+v8AP/oooor/AH+KKKKKKKK/wB6KKKKKKK/3+KKKKKKKK/wB6/3+",
  "K/3+KKKKKKK/wB6/wB6/0AKKKKKK/wB/iv8Af4r/AD/6KKKKK/wB6/wB6/0AKKKKK//Z",
]);
/**
 * chelsea.jpg resized to 48×32 and written as CMYK by sharp 0.35.5 in Node:
 * `sharp("chelsea.jpg").resize(48, 32, { fit: "fill" }).toColourspace("cmyk").jpeg({ quality: 90 })`
 * (libvips converts through its CMYK ICC profile and writes Adobe inverted CMYK, no profile).
 */
const CHELSEA_CMYK = fromBase64([
  "/9j/7gAOQWRvYmUAZAAAAAAA/9sAQwADAgIDAgIDAwMDBAMDBAUIBQUEBAUKBwcGCAwKDAwLCgsLDQ4SEA0OEQ4LCxAWEBETFBUV",
  "FQwPFxgWFBgSFBUU/8AAFAgAIAAwBEMRAE0RAFkRAEsRAP/EAB0AAAEEAwEBAAAAAAAAAAAAAAUBBgcIAgMEAAn/xAA1EAABAwMD",
  "AgQFAwMEAwAAAAABAgMEBQYRABIhBzETIkFRCBQyYXFCgZEVM6EjJFLBYuHw/9oADgRDAE0AWQBLAAA/APql66s38Q1uPXBLodJL",
  "y4VOWpT8haCMcEAJ57Z9xp9fHlQpIvGxqVAWYFCcL0maW1AZIWkBJ7YB9xz307b8tOZBvKFCaHyUBxkuvJb8yfq4SfbODpdM2tJl",
  "sssQ2myWWE4S22nO1AA2pSPU/njntqFuoV71mpBqntJcXGaTkNRwTtRtG1CAPqURxzxz21w1KdUKm38owhTTcdJBabT9KeNqR7n7",
  "n37aTHOg9DqKKUiqypEJyAiIyHihTeFOIUCPwCDxqOLOuNNDbumrVOjSKImmQ/nFoeZIdfbcChj0GcgJ4HvpmQ6c+w/UJK2C34KP",
  "GUjYd7gUCMHOBk9s41qDCUtoQN21GMeY547c9z2/fSVKIo1Fk+ItL6G0oUUKx5toU2BnnzAjP4x66G3BajLc+ChpbzEqJEaYUuO7",
  "sLi0NIVGCSTkb0qSFZz2weDpsVax10GuxEsMyG59OYabPgHYXlpbT4GMnOFAgKzn0GtueOdHpsSox7SYQ1/uZynQ0p0r4SjJBUo9",
  "hg5ydWa6I1i5LOstmjtIjVirLfKGluu4QE+IUFSj7jHI9xqZrWkLgUIrqDqPGQpRdeK8DYlRBJ9u2ONCKjRYVTf8WVGDjgTtCiog",
  "hOcgcH76GR+n8mswxIp1QTJZIwXIyjsKh3wfz++mx1V+Fx7qbdRrlUkM1aW+hLRfbcUUJAJwlCc4Cck/ydVyvezWb/uGVWJqkSnX",
  "lYQSkEIbHCUgegA/+50USsvNpW35QrB86TnH499HeptxT+pdRguUWMGYbrCgh+UsDaNwJVs5ye2P8698SnUGsfFFdVGqVk0hcOhu",
  "wltR5VXcCFlsOBRdLGc7jkFI9ByrHbU51m4651nqbMqix0U6JLbCW3Zq+UoSfq2Duo5yBnA9dL4eG9qVKT985P8AnOmyzEbtmfIo",
  "71WqIdKmy1LU8oq27gVt7jwMjOMe47aha46fM6Yy7jtqLX60K4qOlVKqL0hRJXgFbAUoFKSedpGPqHYnXTUqUq0LcrFCp8+ot1xb",
  "KRFm+MoulQUCtAUcgKUncAfcjHcaBv1OVTKniW82tuRIS1HjN437DhJV78HBJ7YJGDwdO7rC3Z9BoVAag1dt92oyWo77K31qceSt",
  "xtPIUs/STu3JA7YOTpjUm/mq7eFDtp+VUpVEqUhmnVyHV55dcUpcgJQ6grwpBBLaihIxjIOSCoQJZnUC6Le6vSqdXZzki3KpV2af",
  "Gpk2R4y/BUokvZ+pBBCe+M5I9NH9ZtQGHquBKYQuW0SjeR/c9E/xxz+NWfm0KmC6kiWw05KiFxglYH+qANqf3GE8+2NXBcaZTU67",
  "IqMRhcllhIQ84keYE8fxgdvYa5YkwzSspaKWkqUgqXwSRjsMdu/r6fw6YtJnWfddIo8+mtzGZpfkuKaeSoNBSkq2kHhSSFjsePvr",
  "l+HPqrOuPqZSoVHt0zaS5OkzItVblJyjxXEqUl1lSRtTlfbJKeOMkgQ10u6tNdbJdbYptrvoo7Lsnw3nngFulLiM7myAAklY9SRp",
  "XG3C/uTgIx299ELwek2tUEKpluPqpCE5UmE0lQJ5z5Ac+3pq4fUWDXKHWkVCLbMuRSGGk700xkPFS+c4QDu449NcV82HeFKu1yXG",
  "tx6PQEtA7WQHNyvXt21vQkISEjsBgaiCZbkmoW+xU6O88h2E/uYUyoBaSk4UASMeZJ9eONUXj9KqhUum1LuW0Z0lo0x8fJqiuhL7",
  "JbUUrQFK9HGyB5sgkDOjVr0X5SgRJNJccQqnrHhBC8LQAMYye4Kff251lpux6RXrnmv1NqrLqSSAjwZTKWygj9KgkHkfbGgTnTG7",
  "+psmZcEe73K3hJR8nVorbHgqB4acCAcFJyCRg/sdG0Uao3U45MbqQlulO3wpDYRgj0OM8899YuNodSErSFgEKwoZ5ByD+xAOh3UC",
  "hifb3y0raZsVaXmwkjhSMHcFd+MA99RN1jpDjVtLhO1BSKtT3g6hlp0FLak9yFfVkfnjg6S5LRnVWjinSEtLmocS6y4AjcFIwoHe",
  "RuJT7Z1lrdbF9P3HZ1WqC3HWp0OOpSX0nzBwEDPP7H+daLR6tVq6bLuqpS5clFVpdNU8zNQQVB3ehGTngnCh/JOnPT7mj3J05r78",
  "lSm6uzGWNwUFOBxJwR9//esVDg476lewabXLvLcxEh1PyzKNjjzqlF444SFKySAeSOBn31ZX4N+jFWv5TjltfKW3Fhxm5IJcWFT3",
  "BjYkKUSooQolRAwkE/c6jmkW+8iDKp1p03+mmQlJeKXFFcjb2TuWSSlJJ8owBnWCUrKjlWB9tSJTLeuNiY6iVXHmEqHiYQUr3E+g",
  "KhwB+NXItDpP1KpU/wCXqXUKfBQQH1fKLS/uOT5MOJO1P40Rteyb5frkqDLuadREJbStSW3d4UT7Z9NbBqMeiMJxUCrwn9r8Bb25",
  "pW7fuCvq/wCtVl+BLx5lpXRb88ty6MuR4sYrWHfFCwdxyB+P867uhcFxw1BK3UOQH0h1vKgrdn/rGNLoxLsRqhVj+q0sqjOqIS+y",
  "MeG+n/yAxyPQ51JNZ6ORrauVdcoDy6dIeT4UqMAPClIHbeAAdw9FZyPvp71K3E0WpInU4hp0Y8RA4Q6Af1D3++vaY9wwVxbiaqcl",
  "gyIqFFWGkhTnPvwDj9zqvld6JynepDNZqrDc+mtrLhDSUqdcyR5VHalXYDuT2HGhlUu9ECts1F+CXVNcpKEpKv5xnHHvrkixDFky",
  "Snhl1QcxkcL7K9O3APc9z20wYHSOm1nqPLuGkqq0S3PC3u0GPuaZfkEjusq/t8Z24/fHGmzVvhntd3qDVa7S6fVoFnuQErVbcZwt",
  "NyZpzkE54YGEK2/8uBgDGodi01h2/wCsTIVJeh25ILcr5fdgl/kqSnA8recKOSfYADXVqz9h2u/CpNKaQhLK2EeZxKuEqPJxjuMn",
  "VmugfTOpUO2bVZgNtwJMFJU5MQ4obFE5IQRjcOTxwNSNRbbm3C9FEOIG48bzqmOKKUpXycpI+ruTgcaRByTkgkH009ID/jzpfiSm",
  "XnWl+CpLZ7YH6vY6tDZdcfrlSqciTOjypEZaYjiIv6SkZyoc7Sd2caKdPa0iRXau/U6o1NnRnhELUZJWUhPYqABwTnOv/9k=",
]);
/** sharp's own reading of CHELSEA_CMYK (`toColourspace("srgb")`, through its ICC profile): mean RGB and points. */
const CHELSEA_CMYK_SHARP = {
  mean: [143.3, 107.1, 72.8],
  points: [[0, 0, [145, 126, 111]], [24, 16, [192, 148, 110]], [12, 10, [181, 136, 84]], [36, 22, [154, 134, 123]], [47, 31, [174, 154, 149]]] as [number, number, number[]][],
};

function meanRgb(image: Raster): number[] {
  const sum = [0, 0, 0];
  for (let i = 0; i < image.data.length; i += 4) for (let c = 0; c < 3; c++) sum[c]! += image.data[i + c]!;
  return sum.map((s) => s / (image.width * image.height));
}

/** Box filter by an integer factor; edge blocks average the pixels they have (sizes round up, as libjpeg's). */
function boxDownscale(image: Raster, factor: number): Raster {
  const { width, height } = scaledSize(image.width, image.height, (1 / factor) as JpegScale);
  const out = createRaster(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const sum = [0, 0, 0];
      let n = 0;
      for (let sy = y * factor; sy < Math.min((y + 1) * factor, image.height); sy++) {
        for (let sx = x * factor; sx < Math.min((x + 1) * factor, image.width); sx++) {
          const i = (sy * image.width + sx) * 4;
          for (let c = 0; c < 3; c++) sum[c]! += image.data[i + c]!;
          n++;
        }
      }
      const o = (y * width + x) * 4;
      for (let c = 0; c < 3; c++) out.data[o + c] = sum[c]! / n;
      out.data[o + 3] = 255;
    }
  }
  return out;
}

/** The marker bytes of the segments before the first scan (SOI excluded). */
function headerMarkers(bytes: Uint8Array): number[] {
  const markers: number[] = [];
  for (let i = 2; i + 3 < bytes.length; ) {
    if (bytes[i] !== 0xff) throw new Error(`no marker at ${i}`);
    const marker = bytes[i + 1]!;
    markers.push(marker);
    if (marker === 0xda) break;
    i += 2 + ((bytes[i + 2]! << 8) | bytes[i + 3]!);
  }
  return markers;
}

const instantiations = (): number => codecMemory().find((c) => c.name === "jpeg-turbo")?.instantiations ?? -1;
const lastCallBytes = (name: string): number => codecMemory().find((c) => c.name === name)?.lastCallBytes ?? -1;
const MiB = (bytes: number): string => (bytes / 1048576).toFixed(1);

// ---------------------------------------------------------------------------------------------

describe("decodeScaled", () => {
  for (const name of JPEG_FIXTURES) {
    it(`${name} at 1/1 matches the jSquash decoder (PSNR ≥ 45 dB), every scale has libjpeg's size`, async () => {
      const bytes = fixture(name);
      const reference = await jpeg.decode(bytes);
      const full = await decodeScaled(bytes, 1);
      expect([full.width, full.height]).toEqual([reference.width, reference.height]);
      expect(full.opaque).toBe(true);
      expect(full.data.buffer.byteLength).toBe(full.data.length);
      const db = psnr(full, reference);
      console.log(`${name}: 1/1 vs jSquash PSNR ${db === Infinity ? "∞ (identical)" : `${db.toFixed(1)} dB`}`);
      expect(db).toBeGreaterThanOrEqual(45);
      for (const scale of SCALES.slice(1)) {
        const scaled = await decodeScaled(bytes, scale);
        expect([scaled.width, scaled.height]).toEqual(Object.values(scaledSize(reference.width, reference.height, scale)));
        expect(scaled.data.length).toBe(scaled.width * scaled.height * 4);
      }
    });
  }

  it("chelsea 451×300: each side × m/8, rounded up (7/8 → 395×263 … 1/8 → 57×38)", async () => {
    const bytes = fixture("chelsea.jpg");
    const sizes = [];
    for (const scale of SCALES) {
      const image = await decodeScaled(bytes, scale);
      sizes.push([image.width, image.height]);
    }
    expect(sizes).toEqual([[451, 300], [395, 263], [339, 225], [282, 188], [226, 150], [170, 113], [113, 75], [57, 38]]);
    expect(scaledSize(451, 300, 0.125)).toEqual({ width: 57, height: 38 });
  });

  it("scaled pixels are close to a box downscale of the full decode (SSIM ≥ 0.97 at 1/2 and 1/4)", async () => {
    for (const name of ["chelsea.jpg", "rocket.jpg", "astronaut.jpg", "chelsea-progressive.jpg"]) {
      const bytes = fixture(name);
      const full = await decodeScaled(bytes, 1);
      const scores: string[] = [];
      for (const denominator of DENOMINATORS.slice(1)) {
        const scaled = await decodeScaled(bytes, (1 / denominator) as JpegScale);
        const box = boxDownscale(full, denominator);
        const score = ssim(scaled, box, denominator === 8 ? 4 : 8);
        const db = psnr(scaled, box);
        scores.push(`1/${denominator} SSIM ${score.toFixed(4)} PSNR ${db.toFixed(1)} dB`);
        if (denominator <= 4) expect(score, `${name} 1/${denominator}`).toBeGreaterThanOrEqual(0.97);
        else expect(db, `${name} 1/8`).toBeGreaterThan(30);
      }
      console.log(`${name}: scaled vs box downscale: ${scores.join(", ")}`);
    }
  });

  it("every m/8 scale is close to a Lanczos3 resize of the full decode by the same factor (SSIM ≥ 0.985)", async () => {
    for (const name of ["chelsea.jpg", "rocket.jpg", "astronaut.jpg", "chelsea-progressive.jpg"]) {
      const bytes = fixture(name);
      const full = await decodeScaled(bytes, 1);
      // The whole 8×8 blocks only: a partial last block makes a partial pixel, so the factor there is not exactly m/8.
      const blocks = { x: 0, y: 0, width: full.width & ~7, height: full.height & ~7 };
      const scores: string[] = [];
      for (const scale of SCALES.slice(1, -1)) {
        const size = { x: 0, y: 0, width: blocks.width * scale, height: blocks.height * scale };
        const scaled = extractRegion(await decodeScaled(bytes, scale), size);
        const lanczos = await resample(full, size.width, size.height, { region: blocks });
        const score = ssim(scaled, lanczos, scale <= 0.25 ? 4 : 8);
        scores.push(`${fraction(scale)} SSIM ${score.toFixed(4)}`);
        expect(score, `${name} ${fraction(scale)}`).toBeGreaterThanOrEqual(0.985);
      }
      console.log(`${name}: scaled vs Lanczos3 of the full decode: ${scores.join(", ")}`);
    }
  });

  it("grayscale (camera-gray.jpg) comes out as R = G = B at every scale", async () => {
    for (const scale of SCALES) {
      const image = await decodeScaled(fixture("camera-gray.jpg"), scale);
      let colour = 0;
      for (let i = 0; i < image.data.length; i += 4) if (image.data[i] !== image.data[i + 1] || image.data[i] !== image.data[i + 2] || image.data[i + 3] !== 255) colour++;
      expect(colour).toBe(0);
    }
  });

  it("CMYK and YCCK (Adobe inverted) and plain CMYK decode to the right RGB at every scale", async () => {
    const expected = [[255, 255, 255, 255], [0, 255, 255, 255], [255, 0, 0, 255], [127, 127, 127, 255]];
    for (const [label, bytes] of [["Adobe CMYK", ADOBE_CMYK], ["Adobe YCCK", ADOBE_YCCK], ["plain CMYK", PLAIN_CMYK]] as const) {
      for (const scale of SCALES) {
        const image = await decodeScaled(bytes, scale);
        const half = 16 * scale;
        expect([image.width, image.height]).toEqual([32 * scale, 32 * scale]);
        const quadrants = [pixel(image, half / 2, half / 2), pixel(image, half + half / 2, half / 2), pixel(image, half / 2, half + half / 2), pixel(image, half + half / 2, half + half / 2)];
        quadrants.forEach((value, q) => {
          const off = value.some((v, c) => Math.abs(v - expected[q]![c]!) > 2);
          expect(off, `${label} ${fraction(scale)} quadrant ${q}: ${value.join(",")} vs ${expected[q]!.join(",")}`).toBe(false);
        });
      }
    }
    // The jSquash (MozJPEG) decoder cannot convert CMYK at all.
    await expect(jpeg.decode(ADOBE_CMYK)).rejects.toMatchObject({ status: 415 });
  });

  it("a photo written as CMYK by sharp decodes to plausible RGB", async () => {
    const image = await decodeScaled(CHELSEA_CMYK, 1);
    expect([image.width, image.height]).toEqual([48, 32]);
    const mean = meanRgb(image);
    console.log(`chelsea as CMYK: mean RGB ${mean.map((m) => m.toFixed(1)).join(", ")}, sharp (ICC) ${CHELSEA_CMYK_SHARP.mean.join(", ")}`);
    // Naive CMYK → RGB vs sharp's ICC transform: close, not equal. An inverted reading would be off by ~100.
    mean.forEach((m, c) => expect(Math.abs(m - CHELSEA_CMYK_SHARP.mean[c]!)).toBeLessThan(16));
    for (const [x, y, rgb] of CHELSEA_CMYK_SHARP.points) {
      const value = pixel(image, x, y);
      expect(value.slice(0, 3).some((v, c) => Math.abs(v - rgb[c]!) > 20), `(${x},${y}) ${value.join(",")} vs ${rgb.join(",")}`).toBe(false);
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe("hostile input", () => {
  const chelsea = fixture("chelsea.jpg");
  const inputs: [string, Uint8Array, RegExp][] = [
    ["zero bytes", new Uint8Array(0), /Empty input/],
    ["1 byte", Uint8Array.of(0xff), /Not a JPEG file|Premature end/],
    ["random", randomBytes(4096, 1), /Not a JPEG file: starts with/],
    ["a PNG", fixture("coffee.png"), /Not a JPEG file: starts with 0x89 0x50/],
    ["JPEG marker + random", concatBytes([[0xff, 0xd8, 0xff], randomBytes(4096, 2)]), /.+/],
    ["truncated.jpg", fixture("truncated.jpg"), /Premature end of JPEG file/],
    ["chelsea.jpg cut at 300 bytes", chelsea.slice(0, 300), /Premature end of JPEG file/],
    ["chelsea.jpg cut in its entropy data", chelsea.slice(0, chelsea.length >> 1), /Premature end of JPEG file/],
    ["chelsea-progressive.jpg cut in its scans", fixture("chelsea-progressive.jpg").slice(0, 15000), /Premature end of JPEG file/],
  ];

  it("every hostile input is a 415 with libjpeg's message, at every scale, and the next decode works", async () => {
    const good = await decodeScaled(chelsea, 0.5);
    for (const [label, bytes, message] of inputs) {
      for (const scale of SCALES) {
        const err = await rejection(decodeScaled(bytes, scale));
        expect(err.status, label).toBe(415);
        expect(err.message, label).toMatch(/^The input is not a valid JPEG image: .+/);
        expect(err.message, label).toMatch(message);
        expect(err.message, label).not.toMatch(/undefined|\[object/);
      }
      expect((await decodeScaled(chelsea, 0.5)).data, `valid decode after ${label}`).toEqual(good.data);
    }
  });

  it("50 failures in a row, then a success; every failure drops its instance, a success keeps a small one", async () => {
    releaseCodecs(); // no instance kept from an earlier test
    const before = instantiations();
    for (let i = 0; i < 50; i++) {
      const bytes = i % 2 ? concatBytes([[0xff, 0xd8, 0xff], randomBytes(64 + i * 37, 100 + i)]) : chelsea.slice(0, 200 + i * 300);
      expect((await rejection(decodeScaled(bytes, SCALES[i % 8]!))).status).toBe(415);
    }
    const image = await decodeScaled(chelsea, 1);
    expect(image.width).toBe(451);
    expect(instantiations()).toBe(before + 51);
    expect((await decodeScaled(chelsea, 0.5)).width).toBe(226);
    expect(instantiations()).toBe(before + 51); // the successful call's instance served this one
  });

  it("a scale other than m/8 (m = 1 to 8) is a programming error, not a 415", async () => {
    for (const scale of [0, 0.3, 2, 8]) {
      await expect(decodeScaled(chelsea, scale as JpegScale)).rejects.toThrow(/the scale must be m\/8 for m = 1 to 8/);
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe("transcode", () => {
  for (const name of ["chelsea.jpg", "rocket.jpg", "chelsea-progressive.jpg", "chelsea-orientation6.jpg", "camera-gray.jpg"]) {
    it(`${name}: lossless, optimised, progressive when asked, no metadata`, async () => {
      const input = fixture(name);
      const reference = await decodeScaled(input, 1);
      const referenceMoz = await jpeg.decode(input);
      const report: string[] = [];
      for (const progressive of [false, true]) {
        const out = await transcode(input, progressive);
        expect(out.buffer.byteLength).toBe(out.length);
        expect((await decodeScaled(out, 1)).data, `${name} progressive=${progressive}`).toEqual(reference.data);
        expect((await jpeg.decode(out)).data, `${name} progressive=${progressive} (jSquash)`).toEqual(referenceMoz.data);
        const markers = headerMarkers(out);
        expect(markers).toContain(progressive ? 0xc2 : 0xc0);
        expect(markers.filter((m) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xcc)).toHaveLength(1);
        // Only the JFIF header is written (APP0); no EXIF/XMP (APP1), ICC (APP2), other APPn, comments.
        expect(markers.filter((m) => (m >= 0xe1 && m <= 0xef) || m === 0xfe)).toEqual([]);
        const saving = (100 * (input.length - out.length)) / input.length;
        report.push(`${progressive ? "progressive" : "baseline"} ${out.length} B (${saving >= 0 ? "-" : "+"}${Math.abs(saving).toFixed(1)}%)`);
        // Already-optimised inputs may grow by the few bytes of a JFIF header.
        expect(out.length).toBeLessThanOrEqual(input.length + 32);
      }
      console.log(`${name} (${input.length} B) transcoded: ${report.join(", ")}`);
    });
  }

  it("chelsea-orientation6.jpg loses its EXIF (APP1) segment", async () => {
    const input = fixture("chelsea-orientation6.jpg");
    expect(headerMarkers(input)).toContain(0xe1);
    expect(headerMarkers(await transcode(input, true))).not.toContain(0xe1);
  });

  it("what cannot be transcoded is a 422 with libjpeg's message, and the next transcode works", async () => {
    const chelsea = fixture("chelsea.jpg");
    const good = await transcode(chelsea, true);
    for (const [bytes, message] of [
      [new Uint8Array(0), /Empty input/],
      [randomBytes(1000, 3), /Not a JPEG file/],
      [chelsea.slice(0, chelsea.length >> 1), /Premature end of JPEG file/],
      [fixture("truncated.jpg"), /Premature end of JPEG file/],
    ] as const) {
      const err = await rejection(transcode(bytes, true));
      expect(err.status).toBe(422);
      expect(err.message).toMatch(/^Unable to transcode the JPEG losslessly: .+/);
      expect(err.message).toMatch(message);
      expect(await transcode(chelsea, true)).toEqual(good);
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe("cost of a 3840×2400 decode", () => {
  it("times and WASM memory at every scale against the jSquash decoder at 1/1", async () => {
    releaseCodecs();
    const source = syntheticPhoto(3840, 2400);
    const baseline = await encode(source, { format: "jpeg", quality: 92, progressive: false });
    const progressive = await transcode(baseline, true);
    const rows: string[] = [];
    const median = (values: number[]): number => values.sort((a, b) => a - b)[values.length >> 1]!;

    const measure = async (label: string, call: () => Promise<Raster>, codec: string): Promise<{ ms: number; bytes: number }> => {
      const times: number[] = [];
      let image: Raster | undefined;
      for (let run = 0; run < 3; run++) {
        const start = Date.now();
        image = await call();
        times.push(Date.now() - start);
      }
      const bytes = lastCallBytes(codec);
      rows.push(`${label}: ${median(times)} ms (${times.join("/")}), ${image!.width}×${image!.height}, WASM memory ${MiB(bytes)} MiB`);
      return { ms: median(times), bytes };
    };

    for (const [kind, bytes] of [["baseline", baseline], ["progressive", progressive]] as const) {
      rows.push(`${kind} q92, ${(bytes.length / 1048576).toFixed(2)} MiB:`);
      const moz = await measure("  jSquash 1/1", () => jpeg.decode(bytes), "jpeg-decoder");
      const turbo: { ms: number; bytes: number }[] = [];
      // Whole fractions first, each smaller than the last (a kept instance's memory only grows).
      for (const scale of [1, 0.5, 0.25, 0.125, 0.875, 0.75, 0.625, 0.375] as const) {
        turbo.push(await measure(`  turbo ${fraction(scale)}`, () => decodeScaled(bytes, scale), "jpeg-turbo"));
      }
      // The full-size RGBA never sits in WASM memory: a baseline decode at any scale needs far
      // less than jSquash's (which holds the input, the RGBA image and its 16 MiB start).
      if (kind === "baseline") expect(turbo[0]!.bytes).toBeLessThan(moz.bytes);
      expect(turbo[3]!.bytes).toBeLessThanOrEqual(turbo[0]!.bytes);
    }
    const start = Date.now();
    await transcode(baseline, true);
    rows.push(`transcode baseline → progressive: ${Date.now() - start} ms, WASM memory ${MiB(lastCallBytes("jpeg-turbo"))} MiB`);
    console.log(rows.join("\n"));
    releaseCodecs();
  });
});

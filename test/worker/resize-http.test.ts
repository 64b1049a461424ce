/** resize and scale over HTTP with the official client's upload shape. */
import { describe, expect, inject, it } from "vitest";
import { decode, encode } from "../../src/image/transcode";
import { createRaster, type Raster } from "../../src/image/raster";
import { multipart } from "../shared/wire";
import { call, createAccount, expectEnvelope } from "./helpers";
import { pixel, ssim } from "./metrics";
import { fixture } from "./fixtures";

const RED = [220, 30, 30];
const GREEN = [30, 200, 30];
const BLUE = [30, 30, 220];
const YELLOW = [230, 220, 30];

/** W×H with a distinct colour in each quadrant: top-left red, top-right green, bottom-left blue, bottom-right yellow. */
function quadrants(width: number, height: number): Raster {
  const image = createRaster(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const c = y < height / 2 ? (x < width / 2 ? RED : GREEN) : x < width / 2 ? BLUE : YELLOW;
      image.data.set([...c, 255], (y * width + x) * 4);
    }
  }
  return image;
}

async function process(key: string, image: Raster, document: object): Promise<{ status: number; doc: Record<string, unknown>; out?: Raster }> {
  const png = await encode(image, { format: "png", quality: 100, progressive: false });
  const body = multipart([{ name: "file", filename: "in.png", body: png }, { name: "data", body: JSON.stringify({ ...document, output: { format: "png" } }) }], "rz");
  const res = await call("/1.0/upload", { key, method: "POST", body, headers: { "Content-Type": "multipart/form-data; boundary=rz" } });
  const doc = (await res.json()) as Record<string, unknown>;
  if (res.status !== 200) return { status: res.status, doc };
  const url = (doc.output as { url: string }).url;
  const bytes = new Uint8Array(await (await call(new URL(url).pathname)).arrayBuffer());
  return { status: 200, doc, out: await decode(bytes, "png") };
}

const near = (got: number[], want: number[]) => got.slice(0, 3).every((v, i) => Math.abs(v - want[i]!) <= 12);

describe("resize over HTTP", () => {
  const SOURCES: Array<[string, number, number]> = [["landscape", 400, 200], ["portrait", 200, 400], ["square", 300, 300]];
  for (const [name, w, h] of SOURCES) {
    it(`gives exact sizes for every mode (${name})`, async () => {
      const { masterKey } = await createAccount();
      const cases: Array<[object, number, number]> = [
        [{ mode: "fit", width: 120, height: 80 }, 120, 80],
        [{ mode: "fill", width: 120, height: 80 }, 120, 80],
        [{ mode: "exact", width: 120, height: 80 }, 120, 80],
        [{ mode: "auto", width: 100 }, 100, Math.round((100 * h) / w)],
        [{ height: 100 }, Math.round((100 * w) / h), 100],
        [{ width: 150, height: 150 }, w >= h ? 150 : Math.round((150 * w) / h), h >= w ? 150 : Math.round((150 * h) / w)],
      ];
      for (const [resize, ew, eh] of cases) {
        const { status, doc, out } = await process(masterKey, quadrants(w, h), { resize });
        expect(status).toBe(200);
        expect([out!.width, out!.height]).toEqual([ew, eh]);
        expect(doc.output).toMatchObject({ width: ew, height: eh });
      }
    });
  }

  it("fit keeps the part of the image the gravity names", async () => {
    const { masterKey } = await createAccount();
    const expectations: Array<[string, number[], number[]]> = [
      // 400×200 → 100×100 square: the kept square's top-left and bottom-right colours.
      ["left", RED, BLUE],
      ["right", GREEN, YELLOW],
      ["top-left", RED, BLUE],
      ["bottom-right", GREEN, YELLOW],
    ];
    for (const [gravity, topLeft, bottomRight] of expectations) {
      const { out } = await process(masterKey, quadrants(400, 200), { resize: { mode: "fit", width: 100, height: 100, gravity } });
      expect(near(pixel(out!, 5, 5), topLeft), `${gravity} top-left ${pixel(out!, 5, 5)}`).toBe(true);
      expect(near(pixel(out!, 94, 94), bottomRight), `${gravity} bottom-right ${pixel(out!, 94, 94)}`).toBe(true);
    }
    const centre = (await process(masterKey, quadrants(400, 200), { resize: { mode: "fit", width: 100, height: 100 } })).out!;
    expect(near(pixel(centre, 5, 5), RED) && near(pixel(centre, 94, 5), GREEN)).toBe(true);
  });

  it("fill pads with the background at the gravity", async () => {
    const { masterKey } = await createAccount();
    const { out } = await process(masterKey, quadrants(400, 200), { resize: { mode: "fill", width: 100, height: 100, gravity: "top", background: "#0000ff" } });
    expect(near(pixel(out!, 2, 2), RED)).toBe(true);
    expect(pixel(out!, 50, 97)).toEqual([0, 0, 255, 255]);
    const transparent = (await process(masterKey, quadrants(400, 200), { resize: { mode: "fill", width: 100, height: 100, background: "#00000000" } })).out!;
    expect(pixel(transparent, 50, 2)[3]).toBe(0);
    expect(pixel(transparent, 50, 50)[3]).toBe(255);
  });

  it("never enlarges with upscale false", async () => {
    const { masterKey } = await createAccount();
    for (const [resize, ew, eh] of [
      [{ width: 800, height: 800, upscale: false }, 400, 200],
      [{ mode: "fit", width: 800, height: 800, upscale: "false" }, 200, 200],
      [{ mode: "exact", width: 800, height: 100, upscale: false }, 400, 100],
    ] as const) {
      const { out } = await process(masterKey, quadrants(400, 200), { resize });
      expect([out!.width, out!.height]).toEqual([ew, eh]);
    }
    const { out } = await process(masterKey, quadrants(400, 200), { resize: { mode: "fill", width: 800, height: 800, upscale: false } });
    expect([out!.width, out!.height]).toEqual([800, 800]);
  });

  it("scale multiplies the size and sets the ratio", async () => {
    const { masterKey } = await createAccount();
    expect((await process(masterKey, quadrants(400, 200), { scale: { size: 0.5 } })).doc.output).toMatchObject({ width: 200, height: 100 });
    expect((await process(masterKey, quadrants(400, 200), { scale: { size: "1.5", ratio: 1 } })).doc.output).toMatchObject({ width: 600, height: 600 });
  });

  it("matches sharp on real photos: our resized JPEG against sharp's (Lanczos3, JPEG q80) SSIM ≥ 0.98", async () => {
    const { masterKey } = await createAccount();
    // rocket.jpg carries an Adobe RGB profile: sharp converts it to sRGB on decode, and so do we (src/image/icc).
    for (const source of inject("sharpResizes").filter((s) => s.name.endsWith(".jpg"))) {
      for (const target of source.targets.filter((t) => t.width < source.width)) {
        const body = multipart(
          [{ name: "file", filename: source.name, body: fixture(source.name) }, { name: "data", body: JSON.stringify({ resize: { mode: "exact", width: target.width, height: target.height }, output: { format: "jpeg", quality: 80 } }) }],
          "rz",
        );
        const res = await call("/1.0/upload", { key: masterKey, method: "POST", body, headers: { "Content-Type": "multipart/form-data; boundary=rz" } });
        const url = ((await res.json()) as { output: { url: string } }).output.url;
        const ours = await decode(new Uint8Array(await (await call(new URL(url).pathname)).arrayBuffer()), "jpeg");
        const raw = (b64: string) => createRaster(target.width, target.height, Uint8ClampedArray.from(atob(b64), (c) => c.charCodeAt(0)));
        const reference = raw(target.resized);
        const theirs = raw(target.jpeg);
        const score = ssim(ours, theirs);
        console.log(
          `${source.name} → ${target.width}×${target.height} JPEG q80: SSIM ours vs sharp ${score.toFixed(4)}; ` +
            `vs the unencoded resize: ours ${ssim(ours, reference).toFixed(4)}, sharp ${ssim(theirs, reference).toFixed(4)}`,
        );
        expect(score).toBeGreaterThan(0.98);
        expect(ssim(ours, reference)).toBeGreaterThan(ssim(theirs, reference) - 0.01);
      }
    }
  });

  it("refuses invalid values naming the parameter", async () => {
    const { masterKey } = await createAccount();
    const bad: Array<[object, RegExp]> = [
      [{ resize: { width: 0 } }, /Resize 'width' parameter/],
      [{ resize: { width: -10 } }, /Resize 'width' parameter/],
      [{ resize: { width: 100000 } }, /Resize 'width' parameter/],
      [{ resize: { width: "wide" } }, /Resize 'width' parameter/],
      [{ resize: { mode: "fit", width: 10 } }, /needs both/],
      [{ resize: { width: 10, gravity: "north" } }, /Resize 'gravity' parameter/],
      [{ resize: { mode: "fill", width: 10, height: 10, background: "blue" } }, /Resize 'background' parameter/],
      [{ resize: { width: 10 }, scale: { size: 2 } }, /either 'resize' or 'scale'/],
      [{ scale: { size: 100 } }, /Scale 'size' parameter/],
      [{ resize: { width: 16000, height: 16000, mode: "exact" } }, /'resize' operation would make a 16000×16000 image/],
    ];
    for (const [document, message] of bad) {
      const png = await encode(quadrants(40, 20), { format: "png", quality: 100, progressive: false });
      const body = multipart([{ name: "file", filename: "in.png", body: png }, { name: "data", body: JSON.stringify(document) }], "rz");
      const res = await call("/1.0/upload", { key: masterKey, method: "POST", body, headers: { "Content-Type": "multipart/form-data; boundary=rz" } });
      await expectEnvelope(res, 422, message);
    }
  });
});

/**
 * flip, rotate, crop, mask, border, padding and faces over HTTP, uploaded the way the official
 * clients send them (raw multipart), with exact output sizes, pixels read back from the stored
 * output, `output.faces` in output pixels, and validation failures as 422 envelopes naming the
 * parameter.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { probe } from "../../src/image/probe";
import { decode } from "../../src/image/transcode";
import { multipart } from "../shared/wire";
import { basic, call, createAccount, expectEnvelope } from "./helpers";
import { fixture } from "./fixtures";
import { pixel } from "./metrics";

interface Face {
  x: number;
  y: number;
  width: number;
  height: number;
  score: number;
}

interface Doc {
  success: boolean;
  input: { width: number; height: number; format: string };
  output: { url: string; width: number; height: number; format: string; depth: number; faces?: Face[] };
}

let key = "";
beforeAll(async () => {
  key = (await createAccount()).masterKey;
});

/** The Python client's shape: `data` first, then `file` with its basename and no content type. */
function upload(file: string, document: object): Promise<Response> {
  const boundary = "7d1b1f5e3c0a4e0b9c2d8f6a5b4e3d2c";
  const body = multipart(
    [
      { name: "data", body: JSON.stringify(document) },
      { name: "file", filename: file, body: fixture(file) },
    ],
    boundary,
  );
  return call("/1.0/upload", {
    method: "POST",
    body,
    headers: { Authorization: basic(key), "Content-Type": `multipart/form-data; boundary=${boundary}` },
  });
}

async function processed(file: string, document: object): Promise<Doc> {
  const res = await upload(file, document);
  const doc = (await res.json()) as Doc;
  expect(res.status, JSON.stringify(doc)).toBe(200);
  return doc;
}

async function outputPixels(doc: Doc) {
  const res = await call(new URL(doc.output.url).pathname);
  expect(res.status).toBe(200);
  const bytes = new Uint8Array(await res.arrayBuffer());
  return decode(bytes, probe(bytes).format);
}

// coffee.png is 300×200, chelsea.jpg 451×300.
describe("output sizes", () => {
  const cases: Array<[string, object, [number, number]]> = [
    ["flip", { flip: { horizontal: true, vertical: true } }, [300, 200]],
    ["rotate 90", { rotate: { angle: 90 } }, [200, 300]],
    ["rotate -180", { rotate: { angle: -180 } }, [300, 200]],
    ["rotate 45", { rotate: { angle: 45 } }, [354, 354]],
    ["rotate 30", { rotate: { angle: "30" } }, [360, 324]],
    ["crop rect", { crop: { width: 100, height: 50, gravity: "top-right" } }, [100, 50]],
    ["crop rect at x, y, clamped", { crop: { mode: "rect", width: 100, height: 100, x: 250, y: 150 } }, [50, 50]],
    ["crop ratio", { crop: { mode: "ratio", ratio: "1:1" } }, [200, 200]],
    ["crop ratio 16:9", { crop: { ratio: "16:9", gravity: "bottom" } }, [300, 169]],
    ["mask", { mask: { shape: "ellipse" } }, [300, 200]],
    ["border", { border: { size: 10 } }, [320, 220]],
    ["border with numeric strings", { border: { size: "4", radius: "8" } }, [308, 208]],
    ["padding", { padding: { top: 5, left: 7 } }, [307, 205]],
    ["padding size", { padding: { size: 3, right: 0 } }, [303, 206]],
  ];
  for (const [name, document, [width, height]] of cases) {
    it(name, async () => {
      const doc = await processed("coffee.png", document);
      expect([doc.input.width, doc.input.height]).toEqual([300, 200]);
      expect([doc.output.width, doc.output.height]).toEqual([width, height]);
    });
  }

  it("applies operations in the spec's order whatever the key order", async () => {
    // rotate 90 → 200×300, crop 300×100 → 200×100, border 2 → 204×104, padding 5 → 214×114.
    // (Cropping before rotating would give 100×300.)
    const doc = await processed("coffee.png", {
      padding: { size: 5 },
      border: { size: 2 },
      crop: { width: 300, height: 100 },
      rotate: { angle: 90 },
      output: { format: "png" },
    });
    expect([doc.output.width, doc.output.height]).toEqual([214, 114]);
  });

  it("treats null sections and null parameters as not given", async () => {
    const doc = await processed("coffee.png", { crop: null, rotate: null, mask: null, flip: { horizontal: null, vertical: true }, border: { size: 1, color: null }, padding: null });
    expect([doc.output.width, doc.output.height]).toEqual([302, 202]);
  });

  it("crops the pixels asked for", async () => {
    const doc = await processed("coffee.png", { crop: { width: 40, height: 30, x: 10, y: 20 }, optimize: { compression: "lossless" } });
    const got = await outputPixels(doc);
    const source = await decode(fixture("coffee.png"), "png");
    expect(pixel(got, 0, 0)).toEqual(pixel(source, 10, 20));
    expect(pixel(got, 39, 29)).toEqual(pixel(source, 49, 49));
  });
});

describe("transparency in the output", () => {
  it("rounded border corners are transparent in PNG output, with the frame along the edges", async () => {
    const doc = await processed("chelsea.jpg", { border: { size: 10, radius: 30, color: "#00ff00" }, output: { format: "png" } });
    expect(doc.output).toMatchObject({ format: "PNG", width: 471, height: 320, depth: 32 });
    const got = await outputPixels(doc);
    expect(pixel(got, 0, 0)[3]).toBe(0);
    expect(pixel(got, 470, 319)[3]).toBe(0);
    expect(pixel(got, 235, 0)).toEqual([0, 255, 0, 255]);
    expect(pixel(got, 0, 160)).toEqual([0, 255, 0, 255]);
  });

  it("rounded border corners are white in JPEG output, or output.background", async () => {
    const white = await outputPixels(await processed("chelsea.jpg", { border: { size: 10, radius: 30 } }));
    const [r, g, b] = pixel(white, 1, 1);
    expect(Math.min(r, g, b)).toBeGreaterThan(240);
    const [br, bg, bb] = pixel(white, 235, 2);
    expect(Math.max(br, bg, bb)).toBeLessThan(20); // the black frame
    const red = await outputPixels(await processed("chelsea.jpg", { border: { size: 10, radius: 30 }, output: { background: "#ff0000" } }));
    const [rr, rg, rb] = pixel(red, 1, 1);
    expect(rr).toBeGreaterThan(230);
    expect(Math.max(rg, rb)).toBeLessThan(30);
  });

  it("border background colours the rounded-away corners", async () => {
    const got = await outputPixels(await processed("coffee.png", { border: { size: 4, radius: 20, background: "#0000ff" }, optimize: { compression: "lossless" } }));
    expect(pixel(got, 0, 0)).toEqual([0, 0, 255, 255]);
  });

  it("mask ellipse: transparent corners in PNG, white in JPEG", async () => {
    const png = await processed("chelsea.jpg", { mask: { shape: "ellipse" }, output: { format: "png" } });
    expect(png.output.depth).toBe(32);
    expect(pixel(await outputPixels(png), 0, 0)[3]).toBe(0);
    const jpeg = await outputPixels(await processed("chelsea.jpg", { mask: { shape: "ellipse" } }));
    expect(Math.min(...pixel(jpeg, 1, 1).slice(0, 3))).toBeGreaterThan(240);
  });

  it("rotate background fills the corners; transparent by default", async () => {
    const clear = await outputPixels(await processed("coffee.png", { rotate: { angle: 45 } }));
    expect(pixel(clear, 0, 0)[3]).toBe(0);
    const red = await outputPixels(await processed("coffee.png", { rotate: { angle: 45, background: "f00" } }));
    expect(pixel(red, 0, 0)).toEqual([255, 0, 0, 255]);
  });

  it("padding: white by default, transparent on request", async () => {
    const white = await processed("coffee.png", { padding: { size: 6 }, optimize: { compression: "lossless" } });
    expect(white.output.depth).toBe(24);
    expect(pixel(await outputPixels(white), 0, 0)).toEqual([255, 255, 255, 255]);
    const clear = await processed("coffee.png", { padding: { size: 6, background: "#ffffff00" }, optimize: { compression: "lossless" } });
    expect(clear.output.depth).toBe(32);
    expect(pixel(await outputPixels(clear), 0, 0)[3]).toBe(0);
  });
});

describe("validation", () => {
  const cases: Array<[string, object, RegExp]> = [
    ["crop width 0", { crop: { width: 0, height: 10 } }, /^Crop 'width' parameter must be a positive integer/],
    ["crop width negative", { crop: { width: -5, height: 10 } }, /^Crop 'width' parameter must be a positive integer/],
    ["crop height huge", { crop: { width: 5, height: 20000 } }, /^Crop 'height' parameter must be a positive integer of at most 16384/],
    ["crop width fractional", { crop: { width: 10.5, height: 10 } }, /^Crop 'width' parameter must be a positive integer/],
    ["crop width not a number", { crop: { width: "wide", height: 10 } }, /^Crop 'width' parameter must be a positive integer/],
    ["crop without height", { crop: { width: 10 } }, /^Crop 'height' parameter is required for mode 'rect'/],
    ["crop bad gravity", { crop: { width: 10, height: 10, gravity: "middle" } }, /^Crop 'gravity' parameter must be one of 'center', 'top-left'/],
    ["crop x negative", { crop: { width: 10, height: 10, x: -1 } }, /^Crop 'x' parameter must be an integer from 0/],
    ["crop outside the image", { crop: { width: 10, height: 10, x: 300, y: 0 } }, /^Crop region is outside the image/],
    ["crop unknown mode", { crop: { mode: "circle" } }, /^Crop 'mode' parameter must be one of 'rect', 'ratio', 'face'/],
    ["crop face bad faces", { crop: { mode: "face", faces: "most" } }, /^Crop 'faces' parameter must be one of 'one', 'all'/],
    ["crop face negative padding", { crop: { mode: "face", padding: -10 } }, /^Crop 'padding' parameter must be a number from 0 to 1000/],
    ["crop face with a width", { crop: { mode: "face", width: 100 } }, /^Crop 'width' parameter does not apply to mode 'face'/],
    ["resize face gravity outside fit", { resize: { mode: "fill", width: 10, height: 10, gravity: "faces" } }, /^Resize 'gravity' 'faces' applies only to mode 'fit'/],
    ["crop bad ratio", { crop: { mode: "ratio", ratio: "16x9" } }, /^Crop 'ratio' parameter must be 'W:H'/],
    ["crop zero ratio", { crop: { ratio: "0:1" } }, /^Crop 'ratio' parameter must be 'W:H'/],
    ["crop ratio without ratio", { crop: { mode: "ratio" } }, /^Crop 'ratio' parameter is required/],
    ["crop parameter of another mode", { crop: { width: 10, height: 10, ratio: "1:1", mode: "rect" } }, /^Crop 'ratio' parameter does not apply to mode 'rect'/],
    ["crop unknown key", { crop: { width: 10, height: 10, left: 3 } }, /^Crop has no 'left' parameter/],
    ["crop not an object", { crop: "100x100" }, /'crop' must be an object/],
    ["flip not a boolean", { flip: { horizontal: "yes" } }, /^Flip 'horizontal' parameter must be a boolean/],
    ["flip unknown key", { flip: { diagonal: true } }, /^Flip has no 'diagonal' parameter/],
    ["flip not an object", { flip: true }, /'flip' must be an object/],
    ["rotate angle not a number", { rotate: { angle: "ninety" } }, /^Rotate 'angle' parameter must be a number/],
    ["rotate angle boolean", { rotate: { angle: true } }, /^Rotate 'angle' parameter must be a number/],
    ["rotate bad background", { rotate: { angle: 10, background: "red" } }, /^Rotate 'background' parameter must be a hex colour/],
    ["rotate not an object", { rotate: 90 }, /'rotate' must be an object/],
    ["mask bad shape", { mask: { shape: "star" } }, /^Mask 'shape' parameter must be one of 'ellipse', 'rectangle'/],
    ["mask radius on an ellipse", { mask: { shape: "ellipse", radius: 10 } }, /^Mask 'radius' parameter applies only to shape 'rectangle'/],
    ["mask negative radius", { mask: { shape: "rectangle", radius: -1 } }, /^Mask 'radius' parameter must be an integer from 0/],
    ["mask bad background", { mask: { background: "#12345" } }, /^Mask 'background' parameter must be a hex colour/],
    ["border size 0", { border: { size: 0 } }, /^Border 'size' parameter must be a positive integer/],
    ["border size huge", { border: { size: 5000 } }, /^Border 'size' parameter must be a positive integer of at most 1000/],
    ["border without size", { border: { color: "#fff" } }, /^Border 'size' parameter is required/],
    ["border bad colour", { border: { size: 2, color: "#ggg" } }, /^Border 'color' parameter must be a hex colour/],
    ["border colour of the wrong type", { border: { size: 2, color: 255 } }, /^Border 'color' parameter must be a hex colour/],
    ["border radius negative", { border: { size: 2, radius: -3 } }, /^Border 'radius' parameter must be an integer from 0/],
    ["border unknown key", { border: { size: 2, width: 3 } }, /^Border has no 'width' parameter/],
    ["padding negative", { padding: { size: -1 } }, /^Padding 'size' parameter must be an integer from 0 to 4096/],
    ["padding side huge", { padding: { top: 5000 } }, /^Padding 'top' parameter must be an integer from 0 to 4096/],
    ["padding bad background", { padding: { size: 2, background: 123 } }, /^Padding 'background' parameter must be a hex colour/],
    ["padding unknown key", { padding: { all: 3 } }, /^Padding has no 'all' parameter/],
    ["padding over the canvas limit", { padding: { size: 4096 } }, /'padding' operation would make a 8492×8392 image/],
  ];
  for (const [name, document, message] of cases) {
    it(name, async () => {
      await expectEnvelope(await upload("coffee.png", document), 422, message);
    });
  }
});

// astronaut.jpg (512×512) has one face, annotated by hand at 175, 75, 103 × 105 (faces.test.ts).
describe("faces", () => {
  const face = { x: 175, y: 75, width: 103, height: 105 };
  const inside = (f: Face, width: number, height: number) => f.x >= 0 && f.y >= 0 && f.x + f.width <= width && f.y + f.height <= height;

  it("resize fit with gravity face reports the face in output pixels", async () => {
    const doc = await processed("astronaut.jpg", { resize: { mode: "fit", width: 128, height: 256, gravity: "face" } });
    expect([doc.output.width, doc.output.height]).toEqual([128, 256]);
    const faces = doc.output.faces!;
    expect(faces).toHaveLength(1);
    const [f] = faces;
    for (const v of [f!.x, f!.y, f!.width, f!.height]) expect(Number.isInteger(v)).toBe(true);
    expect(f!.score).toBe(Math.round(f!.score * 100) / 100);
    expect(f!.score).toBeGreaterThanOrEqual(0.7);
    expect(inside(f!, 128, 256)).toBe(true);
    // The 256×512 source window is centred on the face (x 99..355), then halved.
    const centre = (f!.x + f!.width / 2) * 2 + 99;
    expect(Math.abs(centre - (face.x + face.width / 2))).toBeLessThan(8);
  });

  it("crop mode face cuts around the face and reports it", async () => {
    const doc = await processed("astronaut.jpg", { crop: { mode: "face", padding: 20 } });
    expect(doc.output.width).toBeGreaterThan(face.width * 1.2);
    expect(doc.output.width).toBeLessThan(face.width * 1.6);
    expect(doc.output.faces).toHaveLength(1);
    expect(inside(doc.output.faces![0]!, doc.output.width, doc.output.height)).toBe(true);
  });

  it("moves the faces with border and padding", async () => {
    const plain = await processed("astronaut.jpg", { crop: { mode: "face" } });
    const framed = await processed("astronaut.jpg", { crop: { mode: "face" }, border: { size: 10 }, padding: { left: 7, top: 3 } });
    const [a] = plain.output.faces!;
    const [b] = framed.output.faces!;
    expect([b!.x - a!.x, b!.y - a!.y, b!.width, b!.height]).toEqual([17, 13, a!.width, a!.height]);
  });

  it("reports an empty list when faces were looked for and none found, nothing when not asked", async () => {
    const none = await processed("rocket.jpg", { resize: { mode: "fit", width: 100, height: 100, gravity: "faces" } });
    expect(none.output.faces).toEqual([]);
    const notAsked = await processed("astronaut.jpg", { resize: { mode: "fit", width: 100, height: 100 } });
    expect(notAsked.output).not.toHaveProperty("faces");
  });

  it("gravity auto returns the requested size", async () => {
    const doc = await processed("coffee.png", { resize: { mode: "fit", width: 200, height: 200, gravity: "auto" } });
    expect([doc.output.width, doc.output.height]).toEqual([200, 200]);
    expect(Array.isArray(doc.output.faces)).toBe(true);
  });
});

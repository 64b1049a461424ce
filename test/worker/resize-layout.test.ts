import { describe, expect, it } from "vitest";
import { WHITE } from "../../src/request/color";
import type { Gravity } from "../../src/request/gravity";
import { parseResize, type ResizePlan } from "../../src/request/resize";
import { parseScale } from "../../src/request/scale";
import { resizeLayout, scaleLayout } from "../../src/image/resize-layout";
import { expect422 } from "./helpers";

const plan = (p: Partial<ResizePlan>): ResizePlan => ({ mode: "auto", gravity: "center", upscale: true, background: WHITE, ...p });
const out = (l: { width: number; height: number; canvas?: { width: number; height: number } }) => [l.canvas?.width ?? l.width, l.canvas?.height ?? l.height];

const SOURCES: Array<[string, number, number]> = [
  ["landscape", 3840, 2400],
  ["portrait", 2400, 3840],
  ["square", 1000, 1000],
];

describe("resize layouts", () => {
  for (const [name, w, h] of SOURCES) {
    it(`fit, fill and exact give exactly the box (${name})`, () => {
      for (const mode of ["fit", "fill", "exact"] as const) {
        for (const [bw, bh] of [[1200, 800], [400, 400], [300, 900], [5000, 6000], [1, 1]] as const) {
          expect(out(resizeLayout(w, h, plan({ mode, width: bw, height: bh })))).toEqual([bw, bh]);
        }
      }
    });

    it(`auto never exceeds a bound, keeps the aspect and is never 0 (${name})`, () => {
      for (const [bw, bh] of [[1200, 800], [400, undefined], [undefined, 333], [7, 7], [1, 10000], [5000, 6000]] as const) {
        const l = resizeLayout(w, h, plan({ width: bw, height: bh }));
        if (bw !== undefined) expect(l.width).toBeLessThanOrEqual(bw);
        if (bh !== undefined) expect(l.height).toBeLessThanOrEqual(bh);
        expect(l.width).toBeGreaterThanOrEqual(1);
        expect(l.height).toBeGreaterThanOrEqual(1);
        expect(Math.abs(l.width / l.height - w / h)).toBeLessThan(Math.max(1 / l.height, 1 / l.width) * (w / h) + 0.01);
        expect(bw === l.width || bh === l.height).toBe(true);
      }
    });
  }

  it("auto: 3840×2400 into 1200×800 is 1200×750", () => {
    expect(out(resizeLayout(3840, 2400, plan({ width: 1200, height: 800 })))).toEqual([1200, 750]);
  });

  it("fit crops the overflow at the gravity", () => {
    const at = (gravity: Gravity) => resizeLayout(3840, 2400, plan({ mode: "fit", width: 400, height: 400, gravity })).source;
    expect(at("center")).toEqual({ x: 720, y: 0, width: 2400, height: 2400 });
    expect(at("left")).toEqual({ x: 0, y: 0, width: 2400, height: 2400 });
    expect(at("top-right")).toEqual({ x: 1440, y: 0, width: 2400, height: 2400 });
    const tall = (gravity: Gravity) => resizeLayout(1000, 3000, plan({ mode: "fit", width: 100, height: 100, gravity })).source;
    expect(tall("top")).toEqual({ x: 0, y: 0, width: 1000, height: 1000 });
    expect(tall("bottom-left")).toEqual({ x: 0, y: 2000, width: 1000, height: 1000 });
    expect(tall("center")).toEqual({ x: 0, y: 1000, width: 1000, height: 1000 });
  });

  it("fill places the fitted image on the canvas at the gravity", () => {
    const l = resizeLayout(3840, 2400, plan({ mode: "fill", width: 400, height: 400, gravity: "bottom" }));
    expect([l.width, l.height]).toEqual([400, 250]);
    expect(l.canvas).toEqual({ x: 0, y: 150, width: 400, height: 400 });
  });

  it("upscale false never enlarges, in every mode", () => {
    const small = (p: Partial<ResizePlan>) => resizeLayout(300, 200, plan({ upscale: false, ...p }));
    expect(out(small({ width: 600, height: 600 }))).toEqual([300, 200]);
    expect(out(small({ mode: "fit", width: 400, height: 400 }))).toEqual([200, 200]);
    expect(out(small({ mode: "fit", width: 100, height: 100 }))).toEqual([100, 100]);
    const fill = small({ mode: "fill", width: 600, height: 400 });
    expect([fill.width, fill.height]).toEqual([300, 200]);
    expect(fill.canvas).toMatchObject({ width: 600, height: 400 });
    expect(out(small({ mode: "exact", width: 600, height: 100 }))).toEqual([300, 100]);
    // And it still reduces.
    expect(out(resizeLayout(3000, 2000, plan({ upscale: false, width: 300 })))).toEqual([300, 200]);
  });

  it("scale multiplies, and ratio sets the height ÷ width of the result", () => {
    expect(out(scaleLayout(3840, 2400, { size: 0.5 }))).toEqual([1920, 1200]);
    expect(out(scaleLayout(100, 50, { size: 2.5 }))).toEqual([250, 125]);
    expect(out(scaleLayout(100, 50, { size: 1, ratio: 1 }))).toEqual([100, 100]);
    expect(out(scaleLayout(3, 3, { size: 0.01 }))).toEqual([1, 1]);
  });
});

describe("resize and scale parameters", () => {
  it("accepts numeric strings and defaults", () => {
    expect(parseResize({ width: "768" })).toEqual({ mode: "auto", width: 768, height: undefined, gravity: "center", upscale: true, background: WHITE });
    expect(parseResize(null)).toBeUndefined();
    expect(parseScale({ size: "0.5" })).toEqual({ size: 0.5, ratio: undefined });
  });

  it("refuses invalid values naming the parameter", () => {
    expect422(() => parseResize({ width: 0 }), /^Resize 'width' parameter must be a positive integer/);
    expect422(() => parseResize({ width: -5 }), /^Resize 'width' parameter/);
    expect422(() => parseResize({ width: 20000 }), /^Resize 'width' parameter must be a positive integer of at most 16384/);
    expect422(() => parseResize({ width: 10.5 }), /^Resize 'width' parameter must be a positive integer/);
    expect422(() => parseResize({ width: "abc" }), /^Resize 'width' parameter/);
    expect422(() => parseResize({}), /needs 'width' or 'height'/);
    expect422(() => parseResize({ mode: "fit", width: 100 }), /mode 'fit' needs both/);
    expect422(() => parseResize({ mode: "crop", width: 100 }), /^Resize 'mode' parameter must be one of/);
    expect422(() => parseResize({ width: 100, gravity: "middle" }), /^Resize 'gravity' parameter must be one of/);
    expect422(() => parseResize({ mode: "fill", width: 100, height: 100, gravity: "face" }), /^Resize 'gravity' 'face' applies only to mode 'fit'/);
    expect422(() => parseResize({ width: 100, upscale: "maybe" }), /^Resize 'upscale' parameter must be a boolean/);
    expect422(() => parseResize({ mode: "fill", width: 1, height: 1, background: "#12" }), /^Resize 'background' parameter must be a hex colour/);
    expect422(() => parseResize({ width: 100, size: 3 }), /Resize has no 'size' parameter/);
    expect422(() => parseResize([1]), /'resize' must be an object/);
    expect422(() => parseScale({ size: 0 }), /^Scale 'size' parameter/);
    expect422(() => parseScale({ size: 17 }), /^Scale 'size' parameter/);
    expect422(() => parseScale({}), /^Scale 'size' parameter/);
    expect422(() => parseScale({ size: 1, ratio: -1 }), /^Scale 'ratio' parameter/);
  });
});

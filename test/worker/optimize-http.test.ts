// `optimize` and `output.format: "best"` over HTTP with the official client shapes (multipart
// `file` + `data`): what the response document says and what the downloaded bytes are.
import { describe, expect, it } from "vitest";
import * as jpeg from "../../src/image/codecs/jpeg";
import { decodeScaled } from "../../src/image/codecs/jpeg-turbo";
import { probe, sha1Hex } from "../../src/image/probe";
import { ssimulacra2 } from "../../src/image/score/ssimulacra2";
import { decode } from "../../src/image/transcode";
import { call, createAccount, expectEnvelope, upload } from "./helpers";
import { fixture } from "./fixtures";

interface Facts {
  format: string;
  name: string;
  quality: number | null;
  bytes: number;
  sha1: string;
  url?: string;
  ssimulacra2?: number;
}

async function processed(file: Uint8Array, name: string, document: object): Promise<{ input: Facts; output: Facts; bytes: Uint8Array }> {
  const { masterKey } = await createAccount();
  const res = await upload(masterKey, file, name, document);
  expect(res.status).toBe(200);
  const doc = (await res.json()) as { input: Facts; output: Facts };
  const download = await call(new URL(doc.output.url!).pathname);
  return { ...doc, bytes: new Uint8Array(await download.arrayBuffer()) };
}

describe("optimize over HTTP", () => {
  it("defaults to medium: a JPEG scoring at least 80, with its quality and score in the document", async () => {
    const source = fixture("chelsea.jpg");
    const { output, bytes } = await processed(source, "cat.jpg", {});
    expect(output.format).toBe("JPEG");
    expect(output.quality).toEqual(expect.any(Number));
    expect(output.ssimulacra2).toBeGreaterThanOrEqual(80);
    const score = await ssimulacra2(await decodeScaled(source, 1), await decodeScaled(bytes, 1));
    expect(Math.abs(score - output.ssimulacra2!)).toBeLessThan(0.01);
    expect(bytes.length).toBeLessThan(source.length);
  });

  it("lossless JPEG: smaller, the same decoded pixels, no score", async () => {
    const source = fixture("chelsea.jpg");
    const { output, bytes } = await processed(source, "cat.jpg", { optimize: { compression: "lossless" } });
    expect(output).not.toHaveProperty("ssimulacra2");
    expect(bytes.length).toBeLessThan(source.length);
    const [a, b] = [await decodeScaled(source, 1), await decodeScaled(bytes, 1)];
    expect(Buffer.compare(Buffer.from(a.data), Buffer.from(b.data))).toBe(0);
  });

  it("never grows: a low-quality JPEG asked for 'low' compression comes back as itself", async () => {
    const source = await jpeg.encode(await decodeScaled(fixture("chelsea.jpg"), 1), { quality: 30, progressive: true });
    const { output } = await processed(source, "small.jpg", { optimize: { compression: "low" } });
    expect(output.sha1).toBe(await sha1Hex(source));
    expect(output.bytes).toBe(source.length);
    expect(output).not.toHaveProperty("ssimulacra2");
  });

  it("an explicit quality wins over the preset (one encode, no score)", async () => {
    const { output } = await processed(fixture("chelsea.jpg"), "cat.jpg", { optimize: { compression: "low" }, output: { quality: 42 } });
    expect(output.quality).toBe(42);
    expect(output).not.toHaveProperty("ssimulacra2");
  });
});

describe("output.format best over HTTP", () => {
  it("answers with the smallest candidate, naming its real format", async () => {
    const { input, output, bytes } = await processed(fixture("chelsea.jpg"), "cat.jpg", { output: { format: "best" } });
    expect(input.format).toBe("JPEG");
    expect(["JPEG", "WEBP", "AVIF"]).toContain(output.format);
    expect(output.format).toBe(probe(bytes).format.toUpperCase());
    expect(output.name).toBe(`cat.${output.format === "JPEG" ? "jpg" : output.format.toLowerCase()}`);
    expect(output.ssimulacra2).toBeGreaterThanOrEqual(80);
    const decoded = await decode(bytes, probe(bytes).format);
    expect([decoded.width, decoded.height]).toEqual([451, 300]);
  });

  it("keeps transparency: never JPEG for an image with alpha", async () => {
    const { output } = await processed(fixture("logo.png"), "logo.png", { output: { format: "best" } });
    expect(["PNG", "WEBP", "AVIF"]).toContain(output.format);
  });

  it("refuses an explicit quality with best", async () => {
    const { masterKey } = await createAccount();
    const res = await upload(masterKey, fixture("chelsea.jpg"), "cat.jpg", { output: { format: "best", quality: 70 } });
    await expectEnvelope(res, 422, /^Output 'quality' parameter cannot be combined with format 'best'/);
  });

  it("refuses an unknown compression preset, naming it", async () => {
    const { masterKey } = await createAccount();
    const res = await upload(masterKey, fixture("chelsea.jpg"), "cat.jpg", { optimize: { compression: "extreme" } });
    await expectEnvelope(res, 422, /'compression'/);
  });
});

/**
 * Image endpoints over real HTTP against `wrangler dev` (npm start): the official clients' request
 * shapes, JSON and binary answers, output URLs, and bad input that must never break the server.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOrigin, type OriginServer } from "../origin-server";
import { multipart, officialUploads } from "../shared/wire";
import { startDevServer, type DevServer } from "./dev-server";

const fixture = (name: string) => new Uint8Array(readFileSync(join(import.meta.dirname, "..", "fixtures", name)));
const sha1 = (bytes: Uint8Array) => createHash("sha1").update(bytes).digest("hex");

let server: DevServer;
let origin: OriginServer;

beforeAll(async () => {
  origin = await startOrigin();
  server = await startDevServer({ PRIVATE_SOURCE_ALLOWLIST: `127.0.0.1:${origin.port}`, FETCH_TIMEOUT_MS: "3000" });
});
afterAll(async () => {
  await server?.stop();
  await origin?.close();
});

interface Facts {
  url: string;
  name: string;
  format: string;
  width: number;
  height: number;
  bytes: number;
  sha1: string;
  ssimulacra2?: number;
}
interface Doc {
  success: boolean;
  code: number;
  id: string;
  message?: string;
  input: Facts;
  output: Facts;
}

const FIELDS = ["name", "format", "width", "height", "colorspace", "interlaced", "sampling", "depth", "quality", "bytes", "sha1"];

async function download(url: string): Promise<Uint8Array> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return new Uint8Array(await res.arrayBuffer());
}

describe("official clients against npm start", () => {
  for (const client of ["node", "python", "go", "java", "swift"]) {
    it(`${client}: upload answered with the full document; the output URL serves the described bytes`, async () => {
      const shape = officialUploads(server.key, fixture("chelsea.jpg"), "photo.jpg", { optimize: { compression: "medium" }, output: { format: "webp" } }).find((s) => s.client === client)!;
      const res = await fetch(`${server.url}/1.0/upload`, { method: "POST", headers: shape.headers, body: shape.body });
      expect(res.status).toBe(200);
      expect(res.headers.get("X-RateLimit-Remaining")).toMatch(/^\d+$/);
      const doc = (await res.json()) as Doc;
      expect(doc).not.toHaveProperty("message");
      expect(Object.keys(doc.input).sort()).toEqual([...FIELDS].sort());
      // medium: the optimiser chose the quality, so the output also carries its score.
      expect(Object.keys(doc.output).sort()).toEqual([...FIELDS, "url", "ssimulacra2"].sort());
      expect(doc.output).toMatchObject({ format: "WEBP", width: 451, height: 300 });
      expect(doc.output.ssimulacra2).toBeGreaterThanOrEqual(80);
      expect(doc.output.url.startsWith(server.url)).toBe(true);
      const bytes = await download(doc.output.url);
      expect(bytes.byteLength).toBe(doc.output.bytes);
      expect(sha1(bytes)).toBe(doc.output.sha1);
    });
  }

  it("java: binary on the header alone, both metadata headers", async () => {
    const shape = officialUploads(server.key, fixture("coffee.png"), "coffee.png", {}).find((s) => s.client === "java")!;
    const res = await fetch(`${server.url}/1.0/upload`, { method: "POST", headers: { ...shape.headers, "X-Optidash-Binary": "true" }, body: shape.body });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("image/png");
    const meta = res.headers.get("X-Optidash-Meta");
    expect(res.headers.get("X-Optidash-Metadata")).toBe(meta);
    const doc = JSON.parse(meta!) as Doc;
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect(doc.output.bytes).toBe(bytes.byteLength);
    expect(doc.output.sha1).toBe(sha1(bytes));
  });

  it("python: binary with header 1 and response.mode, for fetch too", async () => {
    const res = await fetch(`${server.url}/1.0/fetch`, {
      method: "POST",
      headers: { Authorization: `Basic ${Buffer.from(`${server.key}:`).toString("base64")}`, "Content-Type": "application/json", "X-Optidash-Binary": "1" },
      body: JSON.stringify({ url: `http://127.0.0.1:${origin.port}/files/cat.jpg`, response: { mode: "binary" }, output: { format: "png" } }),
    });
    expect(res.status).toBe(200);
    const doc = JSON.parse(res.headers.get("X-Optidash-Meta")!) as Doc;
    expect(doc.input).toMatchObject({ name: "cat.jpg", format: "JPEG" });
    expect(doc.output).toMatchObject({ name: "cat.png", format: "PNG" });
    expect(new Uint8Array(await res.arrayBuffer()).byteLength).toBe(doc.output.bytes);
  });

  it("go: fetch with the JSON document", async () => {
    const res = await fetch(`${server.url}/1.0/fetch`, {
      method: "POST",
      headers: { Authorization: `Basic ${Buffer.from(`${server.key}:`).toString("base64")}`, "Content-Type": "application/json" },
      body: JSON.stringify({ url: `http://127.0.0.1:${origin.port}/chelsea.jpg`, output: { format: "jpeg", quality: 70 } }),
    });
    const doc = (await res.json()) as Doc;
    expect(res.status).toBe(200);
    expect(doc.output).toMatchObject({ format: "JPEG", quality: 70 });
  });
});

describe("faces against npm start", () => {
  // The face detector (tfjs on its WebAssembly backend) must start in the bundled Worker, not only
  // under vitest: it once failed there and every image was taken to have no faces.
  it("resize gravity face finds the face and reports it", async () => {
    const document = { resize: { mode: "fit", width: 200, height: 200, gravity: "face" } };
    const shape = officialUploads(server.key, fixture("astronaut.jpg"), "astronaut.jpg", document).find((s) => s.client === "python")!;
    const res = await fetch(`${server.url}/1.0/upload`, { method: "POST", headers: shape.headers, body: shape.body });
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Doc & { output: { faces?: { x: number; y: number; width: number; height: number; score: number }[] } };
    expect(doc.output).toMatchObject({ width: 200, height: 200 });
    expect(doc.output.faces?.length).toBeGreaterThanOrEqual(1);
    expect(doc.output.faces![0]!.score).toBeGreaterThan(0.5);
  });
});

describe("bad input against npm start", () => {
  const auth = () => ({ Authorization: `Bearer ${server.key}` });
  const upload = (file: Uint8Array, data = "{}") =>
    fetch(`${server.url}/1.0/upload`, {
      method: "POST",
      headers: { ...auth(), "Content-Type": "multipart/form-data; boundary=zz" },
      body: multipart([{ name: "file", filename: "x.jpg", body: file }, { name: "data", body: data }], "zz"),
    });
  const rows: Array<[string, () => Promise<Response>, number]> = [
    ["zero bytes", () => upload(new Uint8Array(0)), 415],
    ["random bytes", () => upload(Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251)), 415],
    ["a truncated JPEG", () => upload(fixture("truncated.jpg")), 415],
    ["a JPEG cut in half", () => upload(fixture("chelsea.jpg").subarray(0, 17000)), 415],
    ["malformed JSON", () => upload(fixture("chelsea.jpg"), "{"), 400],
    ["wrong types", () => upload(fixture("chelsea.jpg"), '{"output":{"quality":[1]}}'), 422],
    ["unsupported output format", () => upload(fixture("chelsea.jpg"), '{"output":{"format":"gif"}}'), 422],
    ["a private URL", () => fetch(`${server.url}/1.0/fetch`, { method: "POST", headers: { ...auth(), "Content-Type": "application/json" }, body: '{"url":"http://169.254.169.254/"}' }), 422],
    ["an origin that hangs", () => fetch(`${server.url}/1.0/fetch`, { method: "POST", headers: { ...auth(), "Content-Type": "application/json" }, body: JSON.stringify({ url: `http://127.0.0.1:${origin.port}/hang` }) }), 504],
  ];
  for (const [name, request, status] of rows) {
    it(`${name} → ${status} envelope, then a normal request succeeds`, async () => {
      const res = await request();
      expect(res.status).toBe(status);
      const body = (await res.json()) as Doc;
      expect(body).toMatchObject({ success: false, code: status });
      expect(typeof body.message).toBe("string");
      expect((await upload(fixture("chelsea.jpg"))).status).toBe(200);
    });
  }
});

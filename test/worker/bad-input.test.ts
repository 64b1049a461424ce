/**
 * Bad input never yields a 5xx and never breaks the isolate: each row asserts the exact status and
 * envelope, then a normal request on the same isolate succeeds.
 */
import { describe, expect, inject, it } from "vitest";
import { multipart } from "../shared/wire";
import { call, createAccount, expectEnvelope } from "./helpers";
import { fixture } from "./fixtures";
import { concatBytes } from "../../src/image/bytes";
import { encode } from "../../src/image/transcode";
import { noiseBytes, syntheticPhoto } from "./images";


function crc32(bytes: Uint8Array): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

/** A PNG whose header claims width × height, with a tiny (wrong) image body. */
function pngClaiming(width: number, height: number): Uint8Array {
  const ihdr = new Uint8Array(17);
  ihdr.set([0x49, 0x48, 0x44, 0x52]);
  const view = new DataView(ihdr.buffer);
  view.setUint32(4, width);
  view.setUint32(8, height);
  ihdr.set([8, 6, 0, 0, 0], 12);
  const chunk = (data: Uint8Array) => {
    const out = new Uint8Array(data.length + 8);
    new DataView(out.buffer).setUint32(0, data.length - 4);
    out.set(data, 4);
    new DataView(out.buffer).setUint32(data.length + 4, crc32(data));
    return out;
  };
  const idat = new Uint8Array([0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
  const iend = new Uint8Array([0x49, 0x45, 0x4e, 0x44]);
  return concatBytes([new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk(ihdr), chunk(idat), chunk(iend)]);
}

function brokenPng(): Uint8Array {
  const png = fixture("coffee.png").slice();
  // Corrupt the first IDAT's data (after the 8-byte signature, 25-byte IHDR chunk, and its header).
  for (let i = 200; i < 260; i++) png[i] = png[i]! ^ 0x5a;
  return png;
}

const uploadBody = (file: Uint8Array, data: unknown = {}, name = "image.jpg") =>
  multipart([{ name: "file", filename: name, body: file }, { name: "data", body: typeof data === "string" ? data : JSON.stringify(data) }], "bound");

interface Row {
  name: string;
  status: number;
  message?: RegExp;
  request: (key: string) => Promise<Response>;
}

const upload = (key: string, body: Uint8Array, contentType = "multipart/form-data; boundary=bound") =>
  call("/1.0/upload", { key, method: "POST", body, headers: { "Content-Type": contentType } });
const fetchJson = (key: string, body: unknown) =>
  call("/1.0/fetch", { key, method: "POST", body: typeof body === "string" ? body : JSON.stringify(body), headers: { "Content-Type": "application/json" } });

const origin = () => `http://127.0.0.1:${inject("origin").port}`;

const ROWS: Row[] = [
  { name: "zero bytes", status: 415, message: /empty/, request: (k) => upload(k, uploadBody(new Uint8Array(0))) },
  { name: "random bytes", status: 415, request: (k) => upload(k, uploadBody(noiseBytes(5000, 7))) },
  { name: "a truncated JPEG", status: 415, message: /JPEG/, request: (k) => upload(k, uploadBody(fixture("truncated.jpg"))) },
  { name: "a JPEG cut in half", status: 415, message: /JPEG/, request: (k) => upload(k, uploadBody(fixture("chelsea.jpg").slice(0, 17000))) },
  { name: "a PNG with a broken chunk", status: 415, message: /PNG/, request: (k) => upload(k, uploadBody(brokenPng(), {}, "x.png")) },
  { name: "a header claiming 100000×100000 px", status: 422, message: /10000000000 pixels/, request: (k) => upload(k, uploadBody(pngClaiming(100_000, 100_000), {}, "huge.png")) },
  { name: "a body over the byte limit", status: 413, message: /33554432-byte limit/, request: (k) => upload(k, uploadBody(new Uint8Array(32 * 1024 * 1024 + 10))) },
  {
    name: "an AVIF output over the AVIF pixel limit",
    status: 422,
    message: /AVIF output is limited to 2500000 pixels/,
    request: async (k) => upload(k, uploadBody(await encode(syntheticPhoto(2000, 1500), { format: "jpeg", quality: 80, progressive: false }), { output: { format: "avif" } })),
  },
  { name: "a TIFF", status: 415, message: /TIFF/, request: (k) => upload(k, uploadBody(new Uint8Array([0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0, 0, 0]))) },
  { name: "malformed JSON in data", status: 400, message: /'data' part is not valid JSON/, request: (k) => upload(k, uploadBody(fixture("chelsea.jpg"), "{oops")) },
  { name: "a data part that is not an object", status: 400, request: (k) => upload(k, uploadBody(fixture("chelsea.jpg"), "[1]")) },
  { name: "JSON of the wrong types", status: 422, message: /Output 'quality' parameter must be/, request: (k) => upload(k, uploadBody(fixture("chelsea.jpg"), { output: { quality: "high" } })) },
  { name: "an out-of-range value", status: 422, message: /Output 'quality'/, request: (k) => upload(k, uploadBody(fixture("chelsea.jpg"), { output: { quality: 101 } })) },
  { name: "an unknown top-level key", status: 422, message: /Unknown parameter 'resise'/, request: (k) => upload(k, uploadBody(fixture("chelsea.jpg"), { resise: {} })) },
  { name: "an unknown output key", status: 422, message: /Output has no 'formt' parameter/, request: (k) => upload(k, uploadBody(fixture("chelsea.jpg"), { output: { formt: "png" } })) },
  { name: "a bad colour", status: 422, message: /Output 'background' parameter must be a hex colour/, request: (k) => upload(k, uploadBody(fixture("chelsea.jpg"), { output: { background: "red" } })) },
  { name: "a multipart without file", status: 400, message: /Missing 'file' part/, request: (k) => upload(k, multipart([{ name: "data", body: "{}" }], "bound")) },
  { name: "a malformed multipart", status: 400, request: (k) => upload(k, new TextEncoder().encode("--bound\r\nnonsense")) },
  { name: "not multipart at all", status: 400, message: /multipart\/form-data/, request: (k) => upload(k, new Uint8Array(10), "application/json") },
  { name: "an unsupported output format", status: 422, message: /'jp2' is not supported/, request: (k) => upload(k, uploadBody(fixture("chelsea.jpg"), { output: { format: "jp2" } })) },
  { name: "an unknown output format", status: 422, message: /Output 'format' parameter must be one of/, request: (k) => upload(k, uploadBody(fixture("chelsea.jpg"), { output: { format: "bmp" } })) },
  { name: "fetch: malformed JSON", status: 400, message: /not valid JSON/, request: (k) => fetchJson(k, "{") },
  { name: "fetch: missing url", status: 400, message: /url/, request: (k) => fetchJson(k, {}) },
  { name: "fetch: url of the wrong type", status: 422, message: /Fetch 'url' parameter must be a string/, request: (k) => fetchJson(k, { url: 42 }) },
  { name: "fetch: a redirect to a private address", status: 422, message: /private or reserved/, request: (k) => fetchJson(k, { url: `${origin()}/redirect-to?url=${encodeURIComponent("http://10.0.0.1/x.jpg")}` }) },
  { name: "fetch: a redirect to another loopback port", status: 422, message: /private or reserved/, request: (k) => fetchJson(k, { url: `${origin()}/redirect-to?url=${encodeURIComponent("http://127.0.0.1:1/x.jpg")}` }) },
  { name: "fetch: an origin answering 404", status: 502, message: /404/, request: (k) => fetchJson(k, { url: `${origin()}/status/404` }) },
  { name: "fetch: a forbidden header", status: 422, message: /Cookie/i, request: (k) => fetchJson(k, { url: `${origin()}/chelsea.jpg`, headers: { Cookie: "a=b" } }) },
  { name: "fetch: an origin that hangs", status: 504, message: /did not answer/, request: (k) => fetchJson(k, { url: `${origin()}/hang` }) },
];

const REFUSED_URLS = [
  "ftp://example.com/a.jpg", "file:///etc/passwd", "gopher://example.com/", "http://localhost/a.jpg", "http://foo.localhost/a.jpg",
  "http://127.0.0.1/a.jpg", "http://2130706433/a.jpg", "http://0x7f000001/a.jpg", "http://0177.0.0.1/a.jpg", "http://127.1/a.jpg",
  "http://10.1.2.3/a.jpg", "http://172.16.0.1/a.jpg", "http://192.168.1.1/a.jpg", "http://169.254.169.254/latest/meta-data",
  "http://100.64.0.1/a.jpg", "http://224.0.0.1/a.jpg", "http://240.0.0.1/a.jpg", "http://0.0.0.0/a.jpg", "http://[::1]/a.jpg",
  "http://[::]/a.jpg", "http://[fe80::1]/a.jpg", "http://[fc00::1]/a.jpg", "http://[::ffff:127.0.0.1]/a.jpg", "http://[::ffff:7f00:1]/a.jpg",
  "http://[::127.0.0.1]/a.jpg", "http://[2002:7f00:1::]/a.jpg", "http://[64:ff9b::a00:1]/a.jpg", "http://[ff02::1]/a.jpg",
];

describe("bad input", () => {
  for (const row of ROWS) {
    it(`${row.name} → ${row.status}, and the next request works`, async () => {
      const { masterKey } = await createAccount();
      const res = await row.request(masterKey);
      await expectEnvelope(res, row.status, row.message);
      const next = await upload(masterKey, uploadBody(fixture("chelsea.jpg"), { output: { format: "jpeg" } }));
      expect(next.status).toBe(200);
    });
  }

  it("refuses every private, reserved or non-http URL form with 422, and the next request works", async () => {
    const { masterKey } = await createAccount();
    for (const url of REFUSED_URLS) {
      const res = await fetchJson(masterKey, { url });
      await expectEnvelope(res, 422, /Fetch 'url' parameter/).catch((err: Error) => {
        throw new Error(`${url}: ${err.message}`);
      });
    }
    expect((await upload(masterKey, uploadBody(fixture("chelsea.jpg")))).status).toBe(200);
  });

  it("decodes every format again after 40 hostile inputs in a row", async () => {
    const { masterKey } = await createAccount();
    const hostile = [fixture("truncated.jpg"), noiseBytes(3000, 3), fixture("chelsea.webp").slice(0, 900), fixture("chelsea.avif").slice(0, 700), brokenPng()];
    for (let i = 0; i < 40; i++) {
      const res = await upload(masterKey, uploadBody(hostile[i % hostile.length]!));
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
    for (const file of ["chelsea.jpg", "coffee.png", "chelsea.webp", "chelsea.avif"]) {
      expect((await upload(masterKey, uploadBody(fixture(file), {}, file))).status).toBe(200);
    }
  });
});

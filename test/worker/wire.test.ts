/** The official clients' wire habits (reference §1.13), each over raw HTTP bytes. */
import { describe, expect, inject, it } from "vitest";
import { multipart, officialUploads } from "../shared/wire";
import { call, createAccount, expectEnvelope, UUID_V4 } from "./helpers";
import { fixture } from "./fixtures";

const post = (key: string, body: Uint8Array, boundary: string, headers: Record<string, string> = {}) =>
  call("/1.0/upload", { key, method: "POST", body, headers: { "Content-Type": `multipart/form-data; boundary=${boundary}`, ...headers } });

function meta(res: Response): Record<string, unknown> {
  const a = res.headers.get("X-Optidash-Meta");
  const b = res.headers.get("X-Optidash-Metadata");
  expect(a).not.toBeNull();
  expect(b).toBe(a);
  expect(a).not.toContain("\n");
  return JSON.parse(a!) as Record<string, unknown>;
}

describe("official client request shapes", () => {
  const clients = ["node", "python", "go", "java", "swift"];
  for (const client of clients) {
    it(`accepts the ${client} client's upload`, async () => {
      const { masterKey } = await createAccount();
      const shapes = officialUploads(masterKey, fixture("chelsea.jpg"), "photo.jpg", { resize: null, output: { format: "webp", quality: "75" } });
      const shape = shapes.find((s) => s.client === client)!;
      const res = await call("/1.0/upload", { method: "POST", body: shape.body, headers: shape.headers });
      expect(res.status).toBe(200);
      const doc = (await res.json()) as { success: boolean; input: { name: string }; output: { format: string; quality: number } };
      expect(doc.success).toBe(true);
      expect(doc.output).toMatchObject({ format: "WEBP", quality: 75 });
      if (client === "go") expect(doc.input.name).toMatch(/^[0-9a-f-]{36}\.jpg$/);
      if (client === "node") expect(doc.input.name).toBe("3f2a9c0d1e4b5a69");
      if (["python", "java", "swift"].includes(client)) expect(doc.input.name).toBe("photo.jpg");
    });
  }
});

describe("multipart details", () => {
  it("accepts a file part without any filename parameter or content type", async () => {
    const { masterKey } = await createAccount();
    const body = multipart([{ name: "file", body: fixture("coffee.png") }, { name: "data", body: "{}" }], "xyz");
    const res = await post(masterKey, body, "xyz");
    expect(res.status).toBe(200);
    expect(((await res.json()) as { input: { format: string } }).input.format).toBe("PNG");
  });

  it("accepts a missing, empty or null-filled data part", async () => {
    const { masterKey } = await createAccount();
    for (const parts of [
      [{ name: "file", filename: "a.jpg", body: fixture("chelsea.jpg") }],
      [{ name: "file", filename: "a.jpg", body: fixture("chelsea.jpg") }, { name: "data", body: "" }],
      [{ name: "data", body: JSON.stringify({ url: "", resize: null, crop: null, output: null, webhook: null }) }, { name: "file", filename: "a.jpg", body: fixture("chelsea.jpg") }],
    ]) {
      expect((await post(masterKey, multipart(parts, "b0undary"), "b0undary")).status).toBe(200);
    }
  });

  it("accepts sections of operations not yet available when they ask for nothing (null or {})", async () => {
    const { masterKey } = await createAccount();
    const data = JSON.stringify({ stylize: {}, filter: null, adjust: {}, auto: null, watermark: {}, webhook: null, store: null });
    const res = await post(masterKey, multipart([{ name: "file", filename: "a.jpg", body: fixture("chelsea.jpg") }, { name: "data", body: data }], "nn"), "nn");
    expect(res.status).toBe(200);
    const refused = multipart([{ name: "file", filename: "a.jpg", body: fixture("chelsea.jpg") }, { name: "data", body: '{"webhook":{"url":"https://example.com/hook"}}' }], "nn");
    await expectEnvelope(await post(masterKey, refused, "nn"), 422, /'webhook' operation is not available/);
  });

  it("accepts a quoted boundary", async () => {
    const { masterKey } = await createAccount();
    const body = multipart([{ name: "file", filename: "a.jpg", body: fixture("chelsea.jpg") }], "a b:c");
    const res = await call("/1.0/upload", { key: masterKey, method: "POST", body, headers: { "Content-Type": 'multipart/form-data; boundary="a b:c"' } });
    expect(res.status).toBe(200);
  });
});

describe("binary mode", () => {
  for (const [label, headers, document] of [
    ["header 1 and response.mode", { "X-Optidash-Binary": "1" }, { response: { mode: "binary" } }],
    ["header 'true' alone (Java)", { "X-Optidash-Binary": "true" }, {}],
    ["response.mode alone", {}, { response: { mode: "binary" } }],
  ] as const) {
    it(`answers with the image and both metadata headers: ${label}`, async () => {
      const { masterKey } = await createAccount();
      const body = multipart([{ name: "file", filename: "a.jpg", body: fixture("chelsea.jpg") }, { name: "data", body: JSON.stringify({ ...document, output: { format: "png" } }) }], "bb");
      const res = await post(masterKey, body, "bb", headers);
      expect(res.status).toBe(200);
      expect(res.headers.get("Content-Type")).toBe("image/png");
      const bytes = new Uint8Array(await res.arrayBuffer());
      expect([...bytes.subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
      expect(Number(res.headers.get("Content-Length"))).toBe(bytes.byteLength);
      const doc = meta(res) as { success: boolean; id: string; output: { bytes: number; url: string } };
      expect(doc).not.toHaveProperty("message");
      expect(doc.success).toBe(true);
      expect(doc.id).toMatch(UUID_V4);
      expect(doc.output.bytes).toBe(bytes.byteLength);
      // The output is stored all the same, and its URL serves the same bytes.
      const stored = new Uint8Array(await (await call(new URL(doc.output.url).pathname)).arrayBuffer());
      expect(stored).toEqual(bytes);
    });
  }

  it("puts the failure document in both headers too", async () => {
    const { masterKey } = await createAccount();
    const body = multipart([{ name: "file", filename: "a.jpg", body: new Uint8Array([1, 2, 3, 4]) }], "bb");
    const res = await post(masterKey, body, "bb", { "X-Optidash-Binary": "1" });
    const header = meta(res);
    const { id } = await expectEnvelope(res, 415);
    expect(header).toEqual({ success: false, code: 415, id, message: expect.any(String) });
  });

  it("carries the failure headers when binary is asked for in the document only", async () => {
    const { masterKey } = await createAccount();
    const body = multipart([{ name: "file", filename: "a.jpg", body: new Uint8Array(10) }, { name: "data", body: '{"response":{"mode":"binary"}}' }], "bb");
    const res = await post(masterKey, body, "bb");
    expect(meta(res)).toMatchObject({ success: false, code: 415 });
  });

  it("ignores other header values", async () => {
    const { masterKey } = await createAccount();
    const body = multipart([{ name: "file", filename: "a.jpg", body: fixture("chelsea.jpg") }], "bb");
    const res = await post(masterKey, body, "bb", { "X-Optidash-Binary": "0" });
    expect(res.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(res.headers.get("X-Optidash-Meta")).toBeNull();
  });
});

describe("fetch", () => {
  it("downloads, names the input after the URL and processes it", async () => {
    const { masterKey } = await createAccount();
    const { port } = inject("origin");
    const res = await call("/1.0/fetch", {
      key: masterKey,
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ url: `http://127.0.0.1:${port}/files/holiday.jpg`, output: { format: "avif" } }),
    });
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { input: { name: string; format: string }; output: { name: string; format: string } };
    expect(doc.input).toMatchObject({ name: "holiday.jpg", format: "JPEG" });
    expect(doc.output).toMatchObject({ name: "holiday.avif", format: "AVIF" });
  });
});

/**
 * The watermark management endpoints: upload (PNG, WebP, JPEG; limits), list, describe and delete,
 * with any key of the account, and another account's ids answered as unknown.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { call, createAccount, expectEnvelope } from "./helpers";
import { fixture } from "./fixtures";
import { noiseBytes } from "./images";
import { encoded, postWatermark, solid, uploadWatermark, type WatermarkDoc } from "./watermark-helpers";

interface ListDoc {
  success: boolean;
  code: number;
  id: string;
  watermarks: WatermarkDoc["watermark"][];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/** A valid 1×1 GIF. */
const GIF = new Uint8Array([
  0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 1, 0, 1, 0, 0x80, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0x21, 0xf9, 4, 1, 0, 0, 0, 0, 0x2c, 0, 0, 0, 0, 1, 0, 1,
  0, 0, 2, 2, 0x44, 1, 0, 0x3b,
]);

let key = "";
let png: Uint8Array = new Uint8Array();
beforeAll(async () => {
  key = (await createAccount()).masterKey;
  png = await encoded(solid(40, 20, [255, 0, 0, 255]));
});

async function list(withKey: string): Promise<ListDoc> {
  const res = await call("/1.0/watermarks", { key: withKey });
  const doc = (await res.json()) as ListDoc;
  expect(res.status, JSON.stringify(doc)).toBe(200);
  return doc;
}

function fileParts(body: Uint8Array, filename = "logo.png") {
  return [{ name: "file", filename, body }];
}

describe("POST /1.0/watermarks", () => {
  it("stores a PNG and answers with its 10-character id and description, never a message", async () => {
    const res = await postWatermark(key, [...fileParts(png), { name: "name", body: "Red bar" }]);
    const doc = (await res.json()) as WatermarkDoc & Record<string, unknown>;
    expect(res.status).toBe(200);
    expect(doc.success).toBe(true);
    expect(doc.code).toBe(200);
    expect(doc.id).toMatch(/^[A-Za-z0-9]{10}$/);
    expect("message" in doc).toBe(false);
    expect(doc.watermark).toMatchObject({ id: doc.id, name: "Red bar", format: "PNG", width: 40, height: 20, bytes: png.byteLength });
    expect(Number.isNaN(Date.parse(doc.watermark.created))).toBe(false);
  });

  it("accepts WebP and JPEG, names a watermark after its file by default, and keeps any name", async () => {
    const webp = await encoded(solid(30, 30, [0, 255, 0, 255]), "webp");
    const jpeg = await encoded(solid(16, 48, [0, 0, 255, 255]), "jpeg");
    const webpDoc = (await (await postWatermark(key, fileParts(webp, "marks/green.webp"))).json()) as WatermarkDoc;
    expect(webpDoc.watermark).toMatchObject({ name: "green.webp", format: "WEBP", width: 30, height: 30 });
    const jpegDoc = (await (await postWatermark(key, [{ name: "name", body: "Zürich «bleu» ✓" }, ...fileParts(jpeg)])).json()) as WatermarkDoc;
    expect(jpegDoc.watermark).toMatchObject({ name: "Zürich «bleu» ✓", format: "JPEG", width: 16, height: 48 });
    const listed = (await list(key)).watermarks.find((w) => w.id === jpegDoc.id);
    expect(listed?.name).toBe("Zürich «bleu» ✓");
  });

  it("names a watermark without a filename or name after its id", async () => {
    const res = await postWatermark(key, [{ name: "file", body: png }]);
    const doc = (await res.json()) as WatermarkDoc;
    expect(res.status).toBe(200);
    expect(doc.watermark.name).toBe(doc.id);
  });

  it("refuses a file over 2 MB with 413, by its length and by its declared length", async () => {
    const big = new Uint8Array(2 * 1024 * 1024 + 1);
    big.set(png.subarray(0, 8));
    big.set(noiseBytes(big.length - 8, 7), 8);
    await expectEnvelope(await postWatermark(key, fileParts(big)), 413, /2097152-byte limit/);
    const res = await call("/1.0/watermarks", {
      key,
      method: "POST",
      body: new Uint8Array(10),
      headers: { "Content-Type": "multipart/form-data; boundary=b", "Content-Length": String(3 * 1024 * 1024) },
    });
    await expectEnvelope(res, 413);
  });

  it("refuses images over 4096 px per side, or over the pixel limit, with 422", async () => {
    const wide = await encoded(solid(4097, 1, [0, 0, 0, 255]));
    await expectEnvelope(await postWatermark(key, fileParts(wide)), 422, /at most 4096×4096 pixels; this one is 4097×1/);
    const tall = await encoded(solid(1, 4097, [0, 0, 0, 255]));
    await expectEnvelope(await postWatermark(key, fileParts(tall)), 422, /this one is 1×4097/);
    const many = await encoded(solid(2001, 2001, [0, 0, 0, 255]));
    await expectEnvelope(await postWatermark(key, fileParts(many)), 422, /at most 4000000 pixels/);
  });

  it("refuses what is not a PNG, WebP or JPEG image with 415", async () => {
    await expectEnvelope(await postWatermark(key, fileParts(GIF, "a.gif")), 415, /PNG, WebP or JPEG.*GIF/);
    await expectEnvelope(await postWatermark(key, fileParts(fixture("logo.avif"), "a.avif")), 415, /PNG, WebP or JPEG.*AVIF/);
    await expectEnvelope(await postWatermark(key, fileParts(new TextEncoder().encode("<svg xmlns='http://www.w3.org/2000/svg'/>"))), 415);
    const damaged = png.slice();
    damaged.fill(0x55, 40);
    await expectEnvelope(await postWatermark(key, fileParts(damaged)), 415);
  });

  it("answers 400 without a 'file' part or a multipart body, and 422 for unknown parts or a long name", async () => {
    await expectEnvelope(await postWatermark(key, [{ name: "name", body: "x" }]), 400, /'file'/);
    const json = await call("/1.0/watermarks", { key, method: "POST", body: "{}", headers: { "Content-Type": "application/json" } });
    await expectEnvelope(json, 400, /multipart/);
    await expectEnvelope(await postWatermark(key, [...fileParts(png), { name: "data", body: "{}" }]), 422, /no 'data' part/);
    await expectEnvelope(await postWatermark(key, [...fileParts(png), { name: "name", body: "n".repeat(101) }]), 422, /Watermark 'name' parameter/);
  });

  it("needs a key and answers other methods with 405", async () => {
    await expectEnvelope(await call("/1.0/watermarks", { method: "POST" }), 401);
    await expectEnvelope(await call("/1.0/watermarks"), 401);
    const put = await call("/1.0/watermarks", { key, method: "PUT" });
    expect(put.headers.get("Allow")).toBe("GET, POST, HEAD");
    await expectEnvelope(put, 405);
    const post = await call("/1.0/watermarks/abcdefghij", { key, method: "POST" });
    expect(post.headers.get("Allow")).toBe("GET, DELETE, HEAD");
    await expectEnvelope(post, 405);
  });
});

describe("listing, describing and deleting", () => {
  it("lists the account's watermarks with name, format, size and bytes, and nothing of other accounts", async () => {
    const mine = await createAccount();
    const theirs = await createAccount();
    const first = await uploadWatermark(mine.masterKey, png, "first");
    const second = await uploadWatermark(mine.masterKey, await encoded(solid(10, 5, [1, 2, 3, 255])), "second");
    await uploadWatermark(theirs.masterKey, png, "theirs");
    const doc = await list(mine.masterKey);
    expect(doc.id).toMatch(UUID);
    expect("message" in doc).toBe(false);
    expect(doc.watermarks.map((w) => w.id).sort()).toEqual([first, second].sort());
    expect(doc.watermarks.find((w) => w.id === second)).toMatchObject({ name: "second", format: "PNG", width: 10, height: 5 });
    expect((await list(theirs.masterKey)).watermarks.map((w) => w.name)).toEqual(["theirs"]);
    expect((await list((await createAccount()).masterKey)).watermarks).toEqual([]);
  });

  it("describes one watermark, and answers another account's id or a malformed one with 422", async () => {
    const mine = await createAccount();
    const other = await createAccount();
    const id = await uploadWatermark(mine.masterKey, png, "one");
    const res = await call(`/1.0/watermarks/${id}`, { key: mine.masterKey });
    expect(res.status).toBe(200);
    expect(((await res.json()) as WatermarkDoc).watermark).toMatchObject({ id, name: "one", width: 40, height: 20 });
    await expectEnvelope(await call(`/1.0/watermarks/${id}`, { key: other.masterKey }), 422, new RegExp(`Watermark 'id'.*'${id}'.*not found`));
    await expectEnvelope(await call("/1.0/watermarks/..%2F..%2Fx", { key: mine.masterKey }), 422, /not found/);
  });

  it("deletes a watermark of the account only; another account's delete changes nothing", async () => {
    const mine = await createAccount();
    const other = await createAccount();
    const id = await uploadWatermark(mine.masterKey, png);
    await expectEnvelope(await call(`/1.0/watermarks/${id}`, { key: other.masterKey, method: "DELETE" }), 422, /not found/);
    expect((await list(mine.masterKey)).watermarks.map((w) => w.id)).toEqual([id]);
    const res = await call(`/1.0/watermarks/${id}`, { key: mine.masterKey, method: "DELETE" });
    const doc = (await res.json()) as WatermarkDoc;
    expect(res.status).toBe(200);
    expect(doc.watermark.id).toBe(id);
    expect((await list(mine.masterKey)).watermarks).toEqual([]);
    await expectEnvelope(await call(`/1.0/watermarks/${id}`, { key: mine.masterKey, method: "DELETE" }), 422, /not found/);
    await expectEnvelope(await call(`/1.0/watermarks/${id}`, { key: mine.masterKey }), 422, /not found/);
  });

  it("lets any key of the account manage its watermarks, not only the master key", async () => {
    const account = await createAccount();
    const created = await call("/1.0/keys", {
      key: account.masterKey,
      method: "POST",
      body: JSON.stringify({ name: "ci" }),
      headers: { "Content-Type": "application/json" },
    });
    const subKey = ((await created.json()) as { key: string }).key;
    const id = await uploadWatermark(subKey, png, "from a sub-key");
    expect((await list(account.masterKey)).watermarks.map((w) => w.id)).toEqual([id]);
    const other = await uploadWatermark(account.masterKey, png, "from the master key");
    expect((await call(`/1.0/watermarks/${other}`, { key: subKey, method: "DELETE" })).status).toBe(200);
    expect((await list(subKey)).watermarks.map((w) => w.id)).toEqual([id]);
  });
});

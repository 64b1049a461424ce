/** Temporary outputs: served with the right headers for 24 hours, never after, swept by the cron. */
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { sha1Hex } from "../../src/image/probe";
import { tempKey } from "../../src/storage/temp";
import { multipart } from "../shared/wire";
import { call, createAccount, expectEnvelope, testEnv } from "./helpers";
import { fixture } from "./fixtures";

const HOUR = 3600_000;

async function putAged(name: string, ageMs: number): Promise<string> {
  const id = crypto.randomUUID();
  await testEnv.OUTPUTS.put(tempKey(id, name), new Uint8Array([1, 2, 3]), {
    httpMetadata: { contentType: "image/png" },
    customMetadata: { created: String(Date.now() - ageMs) },
  });
  return `/temp/${id}/${name}`;
}

describe("temporary outputs", () => {
  it("serve the exact bytes described by output.bytes and output.sha1, with content type, length and caching", async () => {
    const { masterKey } = await createAccount();
    const body = multipart([{ name: "file", filename: "cat.jpg", body: fixture("chelsea.jpg") }, { name: "data", body: '{"output":{"format":"webp"}}' }], "b");
    const doc = (await (await call("/1.0/upload", { key: masterKey, method: "POST", body, headers: { "Content-Type": "multipart/form-data; boundary=b" } })).json()) as {
      output: { url: string; bytes: number; sha1: string };
    };
    const res = await call(new URL(doc.output.url).pathname);
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("image/webp");
    expect(Number(res.headers.get("Content-Length"))).toBe(doc.output.bytes);
    const maxAge = Number(/max-age=(\d+)/.exec(res.headers.get("Cache-Control") ?? "")?.[1]);
    expect(maxAge).toBeGreaterThan(86_000);
    expect(maxAge).toBeLessThanOrEqual(86_400);
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect(bytes.byteLength).toBe(doc.output.bytes);
    expect(await sha1Hex(bytes)).toBe(doc.output.sha1);
    const head = await call(new URL(doc.output.url).pathname, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("Content-Length")).toBe(String(doc.output.bytes));
  });

  it("need no key and answer unknown ids with the 404 envelope", async () => {
    await expectEnvelope(await call(`/temp/${crypto.randomUUID()}/a.jpg`), 404, /24 hours/);
    await expectEnvelope(await call("/temp/not-a-uuid/a.jpg"), 404);
    await expectEnvelope(await call(`/temp/${crypto.randomUUID()}/a.jpg`, { method: "DELETE" }), 405);
  });

  it("are served up to 24 hours and never after", async () => {
    const fresh = await putAged("fresh.png", 23 * HOUR);
    const old = await putAged("old.png", 24 * HOUR + 1000);
    const res = await call(fresh);
    expect(res.status).toBe(200);
    expect(Number(/max-age=(\d+)/.exec(res.headers.get("Cache-Control") ?? "")?.[1])).toBeLessThanOrEqual(3600);
    await expectEnvelope(await call(old), 404);
  });

  it("are deleted by the scheduled sweep once expired, and only then", async () => {
    const fresh = await putAged("keep.png", 2 * HOUR);
    const expired = [await putAged("a.png", 25 * HOUR), await putAged("b.png", 48 * HOUR)];
    await testEnv.OUTPUTS.put("watermarks/acct/x.png", new Uint8Array([1]), { customMetadata: { created: "1" } });
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "*/30 * * * *" }), testEnv, ctx);
    await waitOnExecutionContext(ctx);
    const left = (await testEnv.OUTPUTS.list()).objects.map((o) => `/${o.key}`).sort();
    expect(left).toContain(fresh);
    expect(left).toContain("/watermarks/acct/x.png");
    for (const path of expired) expect(left).not.toContain(path);
  });
});

describe("quota accounting of image requests", () => {
  const send = (key: string, file: Uint8Array) =>
    call("/1.0/upload", {
      key,
      method: "POST",
      body: multipart([{ name: "file", filename: "a.jpg", body: file }], "q"),
      headers: { "Content-Type": "multipart/form-data; boundary=q" },
    });

  it("counts each processed image once, failures not at all, and refuses with 403 when used up", async () => {
    const { masterKey, masterKeyId } = await createAccount({ quota: 2 });
    expect((await send(masterKey, fixture("chelsea.jpg"))).status).toBe(200);
    expect((await send(masterKey, new Uint8Array(20))).status).toBe(415);
    const account = (await (await call("/1.0/account", { key: masterKey })).json()) as { quota: { used: number } };
    expect(account.quota.used).toBe(1);
    expect((await send(masterKey, fixture("chelsea.jpg"))).status).toBe(200);
    await expectEnvelope(await send(masterKey, fixture("chelsea.jpg")), 403, /Monthly quota exhausted: 2 of 2/);
    const usage = (await (await call(`/1.0/keys/${masterKeyId}/usage`, { key: masterKey })).json()) as { totals: { images: number; inputBytes: number; outputBytes: number } };
    expect(usage.totals.images).toBe(2);
    expect(usage.totals.inputBytes).toBe(2 * fixture("chelsea.jpg").byteLength);
    expect(usage.totals.outputBytes).toBeGreaterThan(0);
  });
});

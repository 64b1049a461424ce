import { describe, expect, it } from "vitest";
import { hashKey } from "../../src/auth/keys";
import { call, createAccount, expectEnvelope } from "./helpers";

const json = (body: unknown) => ({ body: JSON.stringify(body), headers: { "Content-Type": "application/json" } });

async function createKey(masterKey: string, name: string) {
  const res = await call("/1.0/keys", { key: masterKey, method: "POST", ...json({ name }) });
  expect(res.status).toBe(200);
  return (await res.json()) as { success: boolean; code: number; id: string; keyId: string; name: string; key: string; created: string };
}

describe("the keys API", () => {
  it("creates a random 40-character key, returned once, stored only as its hash", async () => {
    const { masterKey } = await createAccount();
    const created = await createKey(masterKey, "my awesome key");
    expect(created).toMatchObject({ success: true, code: 200, name: "my awesome key" });
    expect(created).not.toHaveProperty("message");
    expect(created.key).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(created.keyId).toMatch(/^[0-9a-f]{20}$/);
    expect((await call("/1.0/account", { key: created.key })).status).toBe(200);
    const list = await (await call("/1.0/keys", { key: masterKey })).text();
    expect(list).not.toContain(created.key);
    expect(list).not.toContain(await hashKey(created.key));
    expect(list).not.toContain(await hashKey(masterKey));
  });

  it("makes new keys differ", async () => {
    const { masterKey } = await createAccount();
    const a = await createKey(masterKey, "a");
    const b = await createKey(masterKey, "b");
    expect(a.key).not.toBe(b.key);
    expect(a.keyId).not.toBe(b.keyId);
  });

  it("lists names, ids, creation and last use, never the keys", async () => {
    const { masterKey, masterKeyId } = await createAccount();
    const created = await createKey(masterKey, "ci");
    await call("/1.0/account", { key: created.key });
    const body = (await (await call("/1.0/keys", { key: masterKey })).json()) as { keys: Array<Record<string, unknown>> };
    expect(body.keys.map((k) => k.name)).toEqual(["master", "ci"]);
    const ci = body.keys.find((k) => k.id === created.keyId)!;
    expect(Object.keys(ci).sort()).toEqual(["created", "id", "lastUsed", "master", "name", "revoked"]);
    expect(ci).toMatchObject({ master: false, revoked: false, created: created.created });
    expect(typeof ci.lastUsed).toBe("string");
    expect(body.keys.find((k) => k.id === masterKeyId)).toMatchObject({ master: true });
  });

  it("requires unique names and a valid name", async () => {
    const { masterKey } = await createAccount();
    await createKey(masterKey, "dup");
    await expectEnvelope(await call("/1.0/keys", { key: masterKey, method: "POST", ...json({ name: "dup" }) }), 422, /unique/);
    await expectEnvelope(await call("/1.0/keys", { key: masterKey, method: "POST", ...json({ name: "" }) }), 422, /Key 'name' parameter/);
    await expectEnvelope(await call("/1.0/keys", { key: masterKey, method: "POST", ...json({ name: 42 }) }), 422, /Key 'name' parameter/);
    await expectEnvelope(await call("/1.0/keys", { key: masterKey, method: "POST", ...json({}) }), 422);
  });

  it("renames a key by id or by the key itself", async () => {
    const { masterKey } = await createAccount();
    const created = await createKey(masterKey, "old");
    const byId = await call(`/1.0/keys/${created.keyId}`, { key: masterKey, method: "PUT", ...json({ name: "new" }) });
    expect(((await byId.json()) as { key: { name: string } }).key.name).toBe("new");
    const byKey = await call(`/1.0/keys/${created.key}`, { key: masterKey, method: "PUT", ...json({ name: "newer" }) });
    expect(byKey.status).toBe(200);
    const list = (await (await call("/1.0/keys", { key: masterKey })).json()) as { keys: Array<{ name: string }> };
    expect(list.keys.map((k) => k.name)).toEqual(["master", "newer"]);
  });

  it("revokes a key; the next request with it is refused", async () => {
    const { masterKey } = await createAccount();
    const created = await createKey(masterKey, "temp");
    expect((await call("/1.0/account", { key: created.key })).status).toBe(200);
    const res = await call(`/1.0/keys/${created.keyId}`, { key: masterKey, method: "DELETE" });
    expect(((await res.json()) as { key: { revoked: boolean } }).key.revoked).toBe(true);
    await expectEnvelope(await call("/1.0/account", { key: created.key }), 403, /revoked/);
    // Revoking again is harmless.
    expect((await call(`/1.0/keys/${created.keyId}`, { key: masterKey, method: "DELETE" })).status).toBe(200);
  });

  it("refuses to revoke the master key", async () => {
    const { masterKey, masterKeyId } = await createAccount();
    await expectEnvelope(await call(`/1.0/keys/${masterKeyId}`, { key: masterKey, method: "DELETE" }), 422, /master key/);
  });

  it("is for the master key only", async () => {
    const { masterKey } = await createAccount();
    const sub = await createKey(masterKey, "sub");
    for (const [method, path] of [["GET", "/1.0/keys"], ["POST", "/1.0/keys"], ["PUT", `/1.0/keys/${sub.keyId}`], ["DELETE", `/1.0/keys/${sub.keyId}`], ["GET", `/1.0/keys/${sub.keyId}/usage`]] as const) {
      const res = await call(path, { key: sub.key, method, ...(method === "GET" ? {} : json({ name: "x" })) });
      expect(res.headers.get("X-RateLimit-Limit")).not.toBeNull();
      await expectEnvelope(res, 403, /master API key/);
    }
  });

  it("does not find another account's keys", async () => {
    const one = await createAccount();
    const two = await createAccount();
    const theirs = await createKey(two.masterKey, "theirs");
    await expectEnvelope(await call(`/1.0/keys/${theirs.keyId}`, { key: one.masterKey, method: "DELETE" }), 404);
    await expectEnvelope(await call(`/1.0/keys/${theirs.key}`, { key: one.masterKey, method: "PUT", ...json({ name: "mine" }) }), 404);
    expect((await call("/1.0/account", { key: theirs.key })).status).toBe(200);
  });

  it("reports usage per day with zero days filled in", async () => {
    const { masterKey } = await createAccount();
    const sub = await createKey(masterKey, "usage");
    for (let i = 0; i < 3; i++) await call("/1.0/account", { key: sub.key });
    await call("/1.0/nope", { key: sub.key });
    const today = new Date().toISOString().slice(0, 10);
    const from = new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10);
    const res = await call(`/1.0/keys/${sub.keyId}/usage?from=${from}&to=${today}`, { key: masterKey });
    const body = (await res.json()) as { from: string; to: string; totals: { requests: number }; days: Array<{ date: string; requests: number; images: number; inputBytes: number; outputBytes: number }> };
    expect(body.from).toBe(from);
    expect(body.days.map((d) => d.date)).toHaveLength(3);
    expect(body.days.at(-1)).toEqual({ date: today, requests: 4, images: 0, inputBytes: 0, outputBytes: 0 });
    expect(body.days[0]!.requests).toBe(0);
    expect(body.totals.requests).toBe(4);
  });

  it("defaults usage to the last 30 days and validates dates", async () => {
    const { masterKey, masterKeyId } = await createAccount();
    const body = (await (await call(`/1.0/keys/${masterKeyId}/usage`, { key: masterKey })).json()) as { days: unknown[] };
    expect(body.days).toHaveLength(30);
    await expectEnvelope(await call(`/1.0/keys/${masterKeyId}/usage?from=2026-02-30`, { key: masterKey }), 422, /'from'/);
    await expectEnvelope(await call(`/1.0/keys/${masterKeyId}/usage?from=yesterday`, { key: masterKey }), 422, /'from'/);
    await expectEnvelope(await call(`/1.0/keys/${masterKeyId}/usage?from=2026-02-02&to=2026-02-01`, { key: masterKey }), 422, /after/);
    await expectEnvelope(await call(`/1.0/keys/${masterKeyId}/usage?from=2020-01-01&to=2026-01-01`, { key: masterKey }), 422, /366 days/);
  });
});

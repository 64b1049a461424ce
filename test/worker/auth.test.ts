import { describe, expect, it } from "vitest";
import { basic, call, createAccount, expectEnvelope, UUID_V4 } from "./helpers";

describe("authentication", () => {
  it("accepts HTTP Basic with the key as user name and an empty password", async () => {
    const { masterKey } = await createAccount();
    const res = await call("/1.0/account", { key: masterKey });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { success: boolean; id: string };
    expect(body.success).toBe(true);
    expect(body.id).toMatch(UUID_V4);
  });

  it("accepts a Bearer token", async () => {
    const { masterKey } = await createAccount();
    const res = await call("/1.0/account", { headers: { Authorization: `Bearer ${masterKey}` } });
    expect(res.status).toBe(200);
  });

  it("ignores a Basic password and is case-insensitive about the scheme", async () => {
    const { masterKey } = await createAccount();
    const res = await call("/1.0/account", { headers: { Authorization: `basic ${btoa(`${masterKey}:whatever`)}` } });
    expect(res.status).toBe(200);
  });

  it("answers 401 without credentials, with a WWW-Authenticate challenge", async () => {
    const res = await call("/1.0/account");
    expect(res.headers.get("WWW-Authenticate")).toMatch(/^Basic/);
    await expectEnvelope(res, 401, /Missing API key/);
  });

  it("answers 401 for an unknown key", async () => {
    await createAccount();
    const res = await call("/1.0/account", { key: "0UASk8hgjwSq1XetiVPLNyltNPvqJKAmBP8209Qn" });
    await expectEnvelope(res, 401, /Invalid API key/);
  });

  it.each([
    ["an unknown scheme", "Digest abc"],
    ["Basic with bad base64", "Basic %%%"],
    ["Basic with an empty user", `Basic ${btoa(":")}`],
    ["an empty Bearer token", "Bearer"],
    ["a key with spaces", `Basic ${btoa("a key with spaces:")}`],
    ["a too-short key", "Bearer abc"],
  ])("answers 401 for malformed credentials: %s", async (_name, header) => {
    const res = await call("/1.0/account", { headers: { Authorization: header } });
    await expectEnvelope(res, 401);
  });

  it("answers 403 for a revoked key, and the key's response carries no rate-limit counting", async () => {
    const { masterKey } = await createAccount();
    const created = (await (await call("/1.0/keys", { key: masterKey, method: "POST", body: JSON.stringify({ name: "ci" }) })).json()) as { key: string; keyId: string };
    expect((await call("/1.0/account", { key: created.key })).status).toBe(200);
    expect((await call(`/1.0/keys/${created.keyId}`, { key: masterKey, method: "DELETE" })).status).toBe(200);
    await expectEnvelope(await call("/1.0/account", { key: created.key }), 403, /revoked/);
  });

  it("never echoes the key or its hash", async () => {
    const { masterKey } = await createAccount();
    const bad = `${masterKey.slice(0, 39)}x`;
    const res = await call("/1.0/account", { headers: { Authorization: basic(bad) } });
    const text = await res.text();
    expect(text).not.toContain(bad);
    expect(text).not.toContain(masterKey);
  });
});

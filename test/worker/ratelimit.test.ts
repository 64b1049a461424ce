import { runInDurableObject } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { WINDOW_SECONDS } from "../../src/ratelimit/key-state";
import { awayFromWindowEdge, call, createAccount, expectEnvelope, testEnv } from "./helpers";

function headers(res: Response) {
  return {
    limit: Number(res.headers.get("X-RateLimit-Limit")),
    remaining: Number(res.headers.get("X-RateLimit-Remaining")),
    reset: Number(res.headers.get("X-RateLimit-Reset")),
  };
}

describe("rate limiting", () => {
  beforeEach(awayFromWindowEdge);

  it("puts the three headers on every authenticated response and counts down", async () => {
    const { masterKey } = await createAccount({ rateLimit: 10 });
    const first = headers(await call("/1.0/account", { key: masterKey }));
    expect(first.limit).toBe(10);
    expect(first.remaining).toBe(9);
    expect(first.reset).toBeGreaterThan(0);
    expect(first.reset).toBeLessThanOrEqual(WINDOW_SECONDS);
    const second = headers(await call("/1.0/keys", { key: masterKey }));
    expect(second.remaining).toBe(8);
    // Failures count and carry the headers too.
    const failed = await call("/1.0/keys", { key: masterKey, method: "POST", body: "nope" });
    expect(failed.status).toBe(400);
    expect(headers(failed).remaining).toBe(7);
  });

  it("uses the deployment default when the plan sets no limit", async () => {
    const { masterKey } = await createAccount();
    expect(headers(await call("/1.0/account", { key: masterKey })).limit).toBe(100_000);
  });

  it("answers 429 with Retry-After and the exact body once the window is used up", async () => {
    const { masterKey } = await createAccount({ rateLimit: 3 });
    for (let i = 0; i < 3; i++) expect((await call("/1.0/account", { key: masterKey })).status).toBe(200);
    const res = await call("/1.0/account", { key: masterKey });
    const h = headers(res);
    expect(h.remaining).toBe(0);
    expect(Number(res.headers.get("Retry-After"))).toBe(h.reset);
    const body = (await res.clone().json()) as Record<string, unknown>;
    expect(body.message).toBe(`Rate limit exceeded. Retry in ${h.reset} seconds.`);
    await expectEnvelope(res, 429);
  });

  it("admits exactly the limit under 200 concurrent requests", async () => {
    const { masterKey } = await createAccount({ rateLimit: 50 });
    const responses = await Promise.all(Array.from({ length: 200 }, () => call("/1.0/account", { key: masterKey })));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(50);
    expect(statuses.filter((s) => s === 429)).toHaveLength(150);
    for (const r of responses.filter((r) => r.status === 429)) {
      expect(r.headers.get("Retry-After")).toMatch(/^\d+$/);
      await expectEnvelope(r, 429, /^Rate limit exceeded\. Retry in \d+ seconds\.$/);
    }
    const remaining = responses.filter((r) => r.status === 200).map((r) => headers(r).remaining).sort((a, b) => a - b);
    expect(remaining).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it("starts a fresh count when the window has ended", async () => {
    const { masterKey, masterKeyId } = await createAccount({ rateLimit: 2 });
    await call("/1.0/account", { key: masterKey });
    await call("/1.0/account", { key: masterKey });
    expect((await call("/1.0/account", { key: masterKey })).status).toBe(429);
    // Move the stored window one window into the past, as if 15 minutes had gone by.
    const stub = testEnv.KEY_STATE.get(testEnv.KEY_STATE.idFromName(masterKeyId));
    await runInDurableObject(stub, (_instance, state) => {
      state.storage.sql.exec("UPDATE rate_window SET start_ms = start_ms - ?", WINDOW_SECONDS * 1000);
    });
    const res = await call("/1.0/account", { key: masterKey });
    expect(res.status).toBe(200);
    expect(headers(res).remaining).toBe(1);
  });

  it("keeps separate windows per key", async () => {
    const { masterKey } = await createAccount({ rateLimit: 1 });
    const created = (await (await call("/1.0/keys", { key: masterKey, method: "POST", body: JSON.stringify({ name: "second" }) })).json()) as { key: string };
    expect((await call("/1.0/account", { key: masterKey })).status).toBe(429);
    expect((await call("/1.0/account", { key: created.key })).status).toBe(200);
  });

  it("does not count or label requests without credentials", async () => {
    const res = await call("/1.0/account");
    expect(res.status).toBe(401);
    expect(res.headers.get("X-RateLimit-Limit")).toBeNull();
  });
});

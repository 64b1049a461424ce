import { describe, expect, it } from "vitest";
import type { Caller } from "../../src/context";
import { ApiError } from "../../src/errors";
import { KeyStore } from "../../src/auth/keys";
import { releaseImages, reserveImages } from "../../src/quota/quota";
import { call, createAccount, testEnv } from "./helpers";

async function callerOf(accountId: string, quota: number): Promise<Caller> {
  const account = (await new KeyStore(testEnv.KEYS).account(accountId))!;
  return { account, key: { id: "k", accountId, name: "m", master: true, created: "", revoked: false }, rateLimit: 100, monthlyQuota: quota };
}

describe("GET /1.0/account", () => {
  it("returns both published shapes plus rateLimit", async () => {
    const { masterKey } = await createAccount({ name: "Startup", period: "Monthly", quota: 250_000, rateLimit: 500 }, "Acme Inc.");
    const res = await call("/1.0/account", { key: masterKey });
    expect(res.headers.get("Content-Type")).toMatch(/^application\/json/);
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(["code", "company", "credits", "id", "quota", "rateLimit", "subscription", "success"]);
    expect(body).toMatchObject({
      success: true,
      code: 200,
      company: "Acme Inc.",
      subscription: { name: "Startup", period: "Monthly" },
      quota: { total: 250_000, used: 0, remaining: 250_000 },
      credits: { total: 250_000, used: 0, remaining: 250_000 },
      rateLimit: { limit: 500, remaining: 499 },
    });
    expect((body.rateLimit as { reset: number }).reset).toBe(Number(res.headers.get("X-RateLimit-Reset")));
  });

  it("shows images counted against the monthly quota", async () => {
    const { masterKey, accountId } = await createAccount({ quota: 10 });
    const caller = await callerOf(accountId, 10);
    await reserveImages(testEnv, caller, 3);
    const body = (await (await call("/1.0/account", { key: masterKey })).json()) as { quota: unknown; credits: unknown };
    expect(body.quota).toEqual({ total: 10, used: 3, remaining: 7 });
    expect(body.credits).toEqual(body.quota);
  });
});

describe("the monthly quota", () => {
  it("refuses with 403 once the month's images are used, exactly at the limit under concurrency", async () => {
    const { accountId } = await createAccount({ quota: 5 });
    const caller = await callerOf(accountId, 5);
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => reserveImages(testEnv, caller)));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(5);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === "rejected").map((r) => r.reason as ApiError);
    expect(refused).toHaveLength(15);
    for (const err of refused) {
      expect(err).toBeInstanceOf(ApiError);
      expect(err.status).toBe(403);
      expect(err.message).toMatch(/^Monthly quota exhausted: 5 of 5 images used this month/);
    }
  });

  it("gives back images whose processing failed", async () => {
    const { accountId } = await createAccount({ quota: 1 });
    const caller = await callerOf(accountId, 1);
    await reserveImages(testEnv, caller);
    await expect(reserveImages(testEnv, caller)).rejects.toMatchObject({ status: 403 });
    await releaseImages(testEnv, caller);
    await expect(reserveImages(testEnv, caller)).resolves.toBeUndefined();
  });
});

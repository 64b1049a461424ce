/** The foundation over real HTTP against `wrangler dev`, as a user of `npm start` sees it. */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDevServer, type DevServer } from "./dev-server";

let server: DevServer;

beforeAll(async () => {
  server = await startDevServer({ DEMO_RATE_LIMIT: "50" });
});
afterAll(async () => {
  await server?.stop();
});

const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString("base64")}`;

describe("npm start", () => {
  it("prints the demo key and serves /1.0/account for it with the rate-limit headers", async () => {
    expect(server.logs()).toContain(`Demo master key: ${server.key}`);
    const res = await fetch(`${server.url}/1.0/account`, { headers: { Authorization: basic(server.key) } });
    expect(res.status).toBe(200);
    expect(res.headers.get("X-RateLimit-Limit")).toBe("50");
    expect(res.headers.get("X-RateLimit-Remaining")).toMatch(/^\d+$/);
    expect(res.headers.get("X-RateLimit-Reset")).toMatch(/^\d+$/);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ success: true, code: 200, company: "Demo Account" });
  });

  it("accepts Bearer, refuses a wrong key with the 401 envelope, and 404s unknown routes", async () => {
    const bearer = await fetch(`${server.url}/1.0/account`, { headers: { Authorization: `Bearer ${server.key}` } });
    expect(bearer.status).toBe(200);
    const wrong = await fetch(`${server.url}/1.0/account`, { headers: { Authorization: basic("wrong-key-0123456789") } });
    expect(wrong.status).toBe(401);
    const body = (await wrong.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ success: false, code: 401 });
    expect(body.id).toMatch(/^[0-9a-f-]{36}$/);
    const nope = await fetch(`${server.url}/nope`, { method: "POST" });
    expect(nope.status).toBe(404);
    expect(await nope.json()).toMatchObject({ success: false, code: 404 });
  });

  it("admits exactly 50 of 200 concurrent requests with DEMO_RATE_LIMIT=50", async () => {
    // Windows are fixed 15-minute slots: do not straddle the end of one.
    const left = 900_000 - (Date.now() % 900_000);
    if (left < 10_000) await new Promise((resolve) => setTimeout(resolve, left + 200));
    // The window already holds the requests of the tests above: create a fresh key for this one.
    const created = (await (
      await fetch(`${server.url}/1.0/keys`, {
        method: "POST",
        headers: { Authorization: basic(server.key), "Content-Type": "application/json" },
        body: JSON.stringify({ name: "concurrency" }),
      })
    ).json()) as { key: string };
    const responses = await Promise.all(
      Array.from({ length: 200 }, () => fetch(`${server.url}/1.0/account`, { headers: { Authorization: basic(created.key) } })),
    );
    const bodies = await Promise.all(responses.map((r) => r.json() as Promise<Record<string, unknown>>));
    expect(responses.filter((r) => r.status === 200)).toHaveLength(50);
    const limited = responses.filter((r) => r.status === 429);
    expect(limited).toHaveLength(150);
    for (const r of limited) expect(r.headers.get("Retry-After")).toMatch(/^\d+$/);
    for (const b of bodies.filter((b) => b.code === 429)) {
      expect(Object.keys(b).sort()).toEqual(["code", "id", "message", "success"]);
      expect(b.message).toMatch(/^Rate limit exceeded\. Retry in \d+ seconds\.$/);
    }
    // No key or key hash ever reaches the log.
    const logs = server.logs().replace(`Demo master key: ${server.key}`, "").replaceAll(`curl -u ${server.key}:`, "");
    for (const secret of [server.key, created.key]) {
      expect(logs).not.toContain(secret);
      expect(logs).not.toContain(createHash("sha256").update(secret).digest("hex"));
    }
  });
});

import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import type { AppEnv } from "../../src/context";
import { ApiError } from "../../src/errors";
import { requestId } from "../../src/request-id";
import { failureResponse } from "../../src/respond";
import { call, createAccount, expectEnvelope, UUID_V4 } from "./helpers";

describe("the failure envelope", () => {
  it("answers unknown routes with 404, without needing a key", async () => {
    await expectEnvelope(await call("/nope", { method: "POST" }), 404, /No route for POST \/nope/);
    await expectEnvelope(await call("/1.0/nope"), 404);
  });

  it("answers 404 for unknown routes with a valid key too, counted and with rate-limit headers", async () => {
    const { masterKey } = await createAccount();
    const res = await call("/1.0/nope", { key: masterKey });
    expect(res.headers.get("X-RateLimit-Limit")).toBe("100000");
    expect(res.headers.get("X-RateLimit-Remaining")).toBe("99999");
    await expectEnvelope(res, 404);
  });

  it("answers a wrong method with 405 and an Allow header", async () => {
    const { masterKey } = await createAccount();
    const res = await call("/1.0/account", { key: masterKey, method: "POST" });
    expect(res.headers.get("Allow")).toBe("GET, HEAD");
    expect(res.headers.get("X-RateLimit-Remaining")).toBe("99999");
    await expectEnvelope(res, 405, /POST is not allowed/);
    const keys = await call("/1.0/keys", { key: masterKey, method: "PATCH" });
    expect(keys.headers.get("Allow")).toBe("GET, POST, HEAD");
    await expectEnvelope(keys, 405);
  });

  it("answers a malformed JSON body with 400", async () => {
    const { masterKey } = await createAccount();
    await expectEnvelope(await call("/1.0/keys", { key: masterKey, method: "POST", body: "{not json" }), 400, /not valid JSON/);
    await expectEnvelope(await call("/1.0/keys", { key: masterKey, method: "POST", body: "[1,2]" }), 400, /JSON object/);
    await expectEnvelope(await call("/1.0/keys", { key: masterKey, method: "POST" }), 400);
  });

  it("answers an unexpected exception with 500 and no internals", async () => {
    const app = new Hono<AppEnv>();
    app.onError((err, c) => failureResponse(c, err));
    app.use(requestId);
    app.get("/boom", () => {
      throw new TypeError("Cannot read properties of undefined (reading 'secretField') at /src/internal.ts:12");
    });
    const res = await app.request("/boom");
    const { message } = await expectEnvelope(res, 500);
    expect(message).not.toMatch(/secretField|internal\.ts|TypeError/);
  });

  it("uses the status of an ApiError as the envelope code and keeps its headers", async () => {
    const app = new Hono<AppEnv>();
    app.onError((err, c) => failureResponse(c, err));
    app.use(requestId);
    app.get("/x", () => {
      throw new ApiError(422, "Resize 'width' parameter must be a positive integer", { "X-Extra": "1" });
    });
    const res = await app.request("/x");
    expect(res.headers.get("X-Extra")).toBe("1");
    await expectEnvelope(res, 422, /^Resize 'width'/);
  });

  it("gives every request its own UUID v4 id, in the body and in X-Request-Id", async () => {
    const a = await call("/nope");
    const b = await call("/nope");
    const idA = (await expectEnvelope(a, 404)).id;
    const idB = (await expectEnvelope(b, 404)).id;
    expect(idA).not.toBe(idB);
    expect(a.headers.get("X-Request-Id")).toBe(idA);
    expect(idA).toMatch(UUID_V4);
  });
});

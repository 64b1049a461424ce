/** Test helpers: accounts and keys written straight to KV, requests through the Worker, and ApiError assertions. */
import { env } from "cloudflare:workers";
import { SELF } from "cloudflare:test";
import { expect } from "vitest";
import { generateKey, generateKeyId, hashKey, KeyStore, type Plan } from "../../src/auth/keys";
import type { Env } from "../../src/config";
import { ApiError } from "../../src/errors";

export const testEnv = env as unknown as Env;

export interface TestAccount {
  accountId: string;
  masterKey: string;
  masterKeyId: string;
}

export async function createAccount(plan: Partial<Plan> = {}, company = "Acme Inc."): Promise<TestAccount> {
  const store = new KeyStore(testEnv.KEYS);
  const accountId = `acct_${generateKeyId()}`;
  await store.putAccount({
    id: accountId,
    company,
    plan: { name: "Startup", period: "Monthly", rateLimit: null, quota: null, ...plan },
    created: new Date().toISOString(),
  });
  const masterKey = generateKey();
  const masterKeyId = generateKeyId();
  await store.putKey(await hashKey(masterKey), {
    id: masterKeyId,
    accountId,
    name: "master",
    master: true,
    created: new Date().toISOString(),
    revoked: false,
  });
  return { accountId, masterKey, masterKeyId };
}

export function basic(key: string): string {
  return `Basic ${btoa(`${key}:`)}`;
}

export function call(path: string, init: RequestInit & { key?: string } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.key !== undefined) headers.set("Authorization", basic(init.key));
  return SELF.fetch(new Request(`http://api.test${path}`, { ...init, headers }));
}

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Asserts the failure envelope exactly: four keys, code = status, a UUID v4 id. */
/** POST /1.0/upload the way the official clients do: multipart `file` + `data` (JSON). */
export async function upload(key: string, file: Uint8Array, name: string, document: object = {}, headers: Record<string, string> = {}): Promise<Response> {
  const form = new FormData();
  form.append("file", new Blob([file]), name);
  form.append("data", JSON.stringify(document));
  return call("/1.0/upload", { key, method: "POST", body: form, headers });
}

export async function expectEnvelope(res: Response, status: number, message?: RegExp): Promise<{ id: string; message: string }> {
  const body = (await res.json()) as Record<string, unknown>;
  const problems: string[] = [];
  if (res.status !== status) problems.push(`status ${res.status} != ${status} (${JSON.stringify(body)})`);
  if (Object.keys(body).sort().join(",") !== "code,id,message,success") problems.push(`keys ${Object.keys(body)}`);
  if (body.success !== false) problems.push("success is not false");
  if (body.code !== status) problems.push(`code ${String(body.code)}`);
  if (typeof body.id !== "string" || !UUID_V4.test(body.id)) problems.push(`id ${String(body.id)}`);
  if (typeof body.message !== "string" || body.message === "") problems.push("no message");
  if (message && typeof body.message === "string" && !message.test(body.message)) problems.push(`message ${body.message}`);
  if (!res.headers.get("Content-Type")?.startsWith("application/json")) problems.push("content type");
  if (problems.length) throw new Error(`bad envelope: ${problems.join("; ")}`);
  return { id: body.id as string, message: body.message as string };
}

export { UUID_V4 };

/** The ApiError `promise` rejects with (fails the test when it resolves or rejects with anything else). */
export async function rejection(promise: Promise<unknown>): Promise<ApiError> {
  const err: unknown = await promise.then(
    () => expect.unreachable("expected a rejection"),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}

/** Asserts that `fn` throws an ApiError 422 whose message matches `message`. */
export function expect422(fn: () => unknown, message: RegExp): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(422);
    expect((err as ApiError).message).toMatch(message);
    return;
  }
  throw new Error("expected a 422");
}

/**
 * Rate-limit windows are fixed 15-minute slots of wall-clock time: a test that counts requests
 * against one waits out the last seconds of a slot first, so its requests all fall in one window.
 */
export async function awayFromWindowEdge(marginMs = 5_000): Promise<void> {
  const windowMs = 15 * 60 * 1000;
  const left = windowMs - (Date.now() % windowMs);
  if (left < marginMs) await new Promise((resolve) => setTimeout(resolve, left + 200));
}

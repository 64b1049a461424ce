/**
 * The provisioning API (master key only): create, list, rename and revoke an account's keys, and
 * read a key's usage per day. A key is addressed by its id (20 hex characters) or by the key itself.
 * Keys are returned only once, by the create call; hashes are never returned.
 */
import { Hono } from "hono";
import type { AppContext, AppEnv } from "../context";
import { requireAuth, requireMaster } from "../auth/middleware";
import { generateKey, generateKeyId, hashKey, KeyStore, type KeyRecord } from "../auth/keys";
import { unprocessable } from "../errors";
import { readJsonObject } from "../request/json-body";

export const keys = new Hono<AppEnv>();
keys.use(requireAuth, requireMaster);

const MAX_USAGE_DAYS = 366;

async function nameFromBody(c: AppContext): Promise<string> {
  const body = await readJsonObject(c);
  const name = body.name;
  if (typeof name !== "string" || name.trim() === "" || name.length > 100) {
    throw unprocessable("Key 'name' parameter must be a non-empty string of at most 100 characters");
  }
  return name.trim();
}

async function ensureUniqueName(store: KeyStore, accountId: string, name: string, exceptId?: string): Promise<void> {
  const taken = (await store.listKeys(accountId)).some((k) => k.record.name === name && k.record.id !== exceptId);
  if (taken) throw unprocessable(`Key 'name' parameter must be unique: '${name}' is already used in this account`);
}

function keyState(c: AppContext, keyId: string) {
  return c.env.KEY_STATE.get(c.env.KEY_STATE.idFromName(keyId));
}

async function describe(c: AppContext, record: KeyRecord) {
  const activity = await keyState(c, record.id).activity();
  return {
    id: record.id,
    name: record.name,
    master: record.master,
    created: record.created,
    lastUsed: activity.lastUsed,
    revoked: record.revoked || activity.revoked,
  };
}

keys.post("/", async (c) => {
  const caller = c.get("caller")!;
  const name = await nameFromBody(c);
  const store = new KeyStore(c.env.KEYS);
  await ensureUniqueName(store, caller.account.id, name);
  const key = generateKey();
  const record: KeyRecord = {
    id: generateKeyId(),
    accountId: caller.account.id,
    name,
    master: false,
    created: new Date().toISOString(),
    revoked: false,
  };
  await store.putKey(await hashKey(key), record);
  return c.json({ success: true, code: 200, id: c.get("requestId"), keyId: record.id, name, key, created: record.created });
});

keys.get("/", async (c) => {
  const caller = c.get("caller")!;
  const store = new KeyStore(c.env.KEYS);
  const list = await Promise.all((await store.listKeys(caller.account.id)).map((k) => describe(c, k.record)));
  return c.json({ success: true, code: 200, id: c.get("requestId"), keys: list });
});

keys.put("/:key", async (c) => {
  const caller = c.get("caller")!;
  const store = new KeyStore(c.env.KEYS);
  const { hash, record } = await store.findOwnKey(caller.account.id, c.req.param("key"));
  const name = await nameFromBody(c);
  await ensureUniqueName(store, caller.account.id, name, record.id);
  const renamed = { ...record, name };
  await store.putKey(hash, renamed);
  return c.json({ success: true, code: 200, id: c.get("requestId"), key: await describe(c, renamed) });
});

keys.delete("/:key", async (c) => {
  const caller = c.get("caller")!;
  const store = new KeyStore(c.env.KEYS);
  const { hash, record } = await store.findOwnKey(caller.account.id, c.req.param("key"));
  if (record.master) throw unprocessable("The master key cannot be revoked through the API");
  // The key's Durable Object is consulted on every request, so this takes effect at once
  // everywhere; the KV flag follows for listings and for locations still caching the record.
  await keyState(c, record.id).revoke();
  const revoked = { ...record, revoked: true };
  await store.putKey(hash, revoked);
  return c.json({ success: true, code: 200, id: c.get("requestId"), key: await describe(c, revoked) });
});

function parseDay(value: string | undefined, name: "from" | "to", fallback: string): string {
  if (value === undefined || value === "") return fallback;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`)) ||
      new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) !== value) {
    throw unprocessable(`Usage '${name}' parameter must be a date in the form YYYY-MM-DD`);
  }
  return value;
}

keys.get("/:key/usage", async (c) => {
  const caller = c.get("caller")!;
  const store = new KeyStore(c.env.KEYS);
  const { record } = await store.findOwnKey(caller.account.id, c.req.param("key"));
  const today = new Date().toISOString().slice(0, 10);
  const to = parseDay(c.req.query("to"), "to", today);
  const monthBefore = new Date(Date.parse(`${to}T00:00:00Z`) - 29 * 86_400_000).toISOString().slice(0, 10);
  const from = parseDay(c.req.query("from"), "from", monthBefore);
  const days = (Date.parse(to) - Date.parse(from)) / 86_400_000 + 1;
  if (days < 1) throw unprocessable("Usage 'from' parameter must not be after 'to'");
  if (days > MAX_USAGE_DAYS) throw unprocessable(`Usage range must be at most ${MAX_USAGE_DAYS} days`);
  const usage = await keyState(c, record.id).usage(from, to);
  const totals = usage.reduce(
    (sum, d) => ({
      requests: sum.requests + d.requests,
      images: sum.images + d.images,
      inputBytes: sum.inputBytes + d.inputBytes,
      outputBytes: sum.outputBytes + d.outputBytes,
    }),
    { requests: 0, images: 0, inputBytes: 0, outputBytes: 0 },
  );
  return c.json({ success: true, code: 200, id: c.get("requestId"), key: { id: record.id, name: record.name }, from, to, totals, days: usage });
});

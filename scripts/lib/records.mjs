// Builds the KV entries of an account and its keys, in the layout of src/auth/keys.ts:
//   key:<sha256 hex of the key>        -> key record
//   account:<accountId>                -> account record
//   account:<accountId>:key:<keyId>    -> {"hash": ...}
import { createHash, randomBytes, randomInt } from "node:crypto";

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

export function hashKey(key) {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

export function generateKey(length = 40) {
  let key = "";
  for (let i = 0; i < length; i++) key += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return key;
}

export function generateKeyId() {
  return randomBytes(10).toString("hex");
}

/** Key ids derived from the key, so seeding the same key twice updates one record. */
export function stableKeyId(key) {
  return createHash("sha256").update(`id:${key}`, "utf8").digest("hex").slice(0, 20);
}

export function accountEntries({ accountId, company, plan, key, keyId, keyName = "master", master = true, created = new Date().toISOString() }) {
  const hash = hashKey(key);
  const account = { id: accountId, company, plan, created };
  const record = { id: keyId, accountId, name: keyName, master, created, revoked: false };
  return [
    { key: `account:${accountId}`, value: JSON.stringify(account) },
    { key: `key:${hash}`, value: JSON.stringify(record) },
    { key: `account:${accountId}:key:${keyId}`, value: JSON.stringify({ hash }) },
  ];
}

export function keyEntries({ accountId, key, keyId, keyName, master = false, created = new Date().toISOString() }) {
  const hash = hashKey(key);
  const record = { id: keyId, accountId, name: keyName, master, created, revoked: false };
  return [
    { key: `key:${hash}`, value: JSON.stringify(record) },
    { key: `account:${accountId}:key:${keyId}`, value: JSON.stringify({ hash }) },
  ];
}

export function parseLimit(value, name) {
  if (value === undefined || value === "") return null;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got ${value}`);
  return n;
}

/**
 * API keys and accounts in KV. Keys are stored only as SHA-256 hashes:
 *   key:<sha256 hex>                 -> KeyRecord
 *   account:<accountId>              -> AccountRecord
 *   account:<accountId>:key:<keyId>  -> {"hash": ...}   (index used to list an account's keys)
 * The raw key exists only in the create-key response. Looking a key up by its hash is the
 * comparison, so no byte-by-byte comparison of secrets happens anywhere.
 */
import { ApiError } from "../errors";

export interface Plan {
  name: string;
  period: string;
  /** Requests per 15-minute window; null = the deployment default. */
  rateLimit: number | null;
  /** Processed images per calendar month; null = the deployment default. */
  quota: number | null;
}

export interface AccountRecord {
  id: string;
  company: string;
  plan: Plan;
  created: string;
}

export interface KeyRecord {
  id: string;
  accountId: string;
  name: string;
  master: boolean;
  created: string;
  revoked: boolean;
}

const encoder = new TextEncoder();

function hex(bytes: ArrayBuffer | Uint8Array): string {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
}

export async function hashKey(key: string): Promise<string> {
  return hex(await crypto.subtle.digest("SHA-256", encoder.encode(key)));
}

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** A new 40-character alphanumeric key, uniformly random (rejection sampling, no modulo bias). */
export function generateKey(length = 40): string {
  let out = "";
  while (out.length < length) {
    for (const byte of crypto.getRandomValues(new Uint8Array(64))) {
      if (byte < 248 && out.length < length) out += ALPHANUMERIC[byte % 62];
    }
  }
  return out;
}

/** Key ids are 20 hex characters, so they can never be mistaken for a 40-character key. */
export function generateKeyId(): string {
  return hex(crypto.getRandomValues(new Uint8Array(10)));
}

const keyEntry = (hash: string) => `key:${hash}`;
const accountEntry = (accountId: string) => `account:${accountId}`;
const indexPrefix = (accountId: string) => `account:${accountId}:key:`;

export class KeyStore {
  constructor(private readonly kv: KVNamespace) {}

  async keyByHash(hash: string): Promise<KeyRecord | null> {
    return this.kv.get<KeyRecord>(keyEntry(hash), "json");
  }

  async account(accountId: string): Promise<AccountRecord | null> {
    return this.kv.get<AccountRecord>(accountEntry(accountId), "json");
  }

  async putAccount(account: AccountRecord): Promise<void> {
    await this.kv.put(accountEntry(account.id), JSON.stringify(account));
  }

  async putKey(hash: string, record: KeyRecord): Promise<void> {
    await this.kv.put(keyEntry(hash), JSON.stringify(record));
    await this.kv.put(indexPrefix(record.accountId) + record.id, JSON.stringify({ hash }));
  }

  /** Every key of an account with its hash, oldest first. */
  async listKeys(accountId: string): Promise<Array<{ hash: string; record: KeyRecord }>> {
    const found: Array<{ hash: string; record: KeyRecord }> = [];
    let cursor: string | undefined;
    do {
      const page = await this.kv.list({ prefix: indexPrefix(accountId), cursor });
      const entries = await Promise.all(page.keys.map((k) => this.kv.get<{ hash: string }>(k.name, "json")));
      for (const entry of entries) {
        if (!entry) continue;
        const record = await this.keyByHash(entry.hash);
        if (record) found.push({ hash: entry.hash, record });
      }
      cursor = page.list_complete ? undefined : page.cursor;
    } while (cursor);
    return found.sort((a, b) => a.record.created.localeCompare(b.record.created));
  }

  /** Finds one of the account's keys by key id or by the key itself; others' keys are not found. */
  async findOwnKey(accountId: string, idOrKey: string): Promise<{ hash: string; record: KeyRecord }> {
    let hash: string | undefined;
    if (/^[0-9a-f]{20}$/.test(idOrKey)) {
      hash = (await this.kv.get<{ hash: string }>(indexPrefix(accountId) + idOrKey, "json"))?.hash;
    } else {
      hash = await hashKey(idOrKey);
    }
    const record = hash ? await this.keyByHash(hash) : null;
    if (!hash || !record || record.accountId !== accountId) {
      throw new ApiError(404, "No such API key in this account.");
    }
    return { hash, record };
  }
}

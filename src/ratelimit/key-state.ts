/**
 * One Durable Object per API key. It holds the key's fixed 15-minute rate-limit window, the
 * authoritative revoked flag (so a revocation takes effect on the very next request everywhere),
 * the time the key was last used, and its usage per UTC day.
 *
 * A Durable Object runs one call at a time and every call here is synchronous SQLite work, so the
 * window count is exact however many requests arrive at once.
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../config";

export const WINDOW_SECONDS = 15 * 60;

export interface RateDecision {
  allowed: boolean;
  revoked: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the current window ends. */
  reset: number;
}

export interface DayUsage {
  date: string;
  requests: number;
  images: number;
  inputBytes: number;
  outputBytes: number;
}

export interface KeyActivity {
  revoked: boolean;
  lastUsed: string | null;
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export class KeyState extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS rate_window (id INTEGER PRIMARY KEY CHECK (id = 1), start_ms INTEGER NOT NULL, count INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS key_meta (id INTEGER PRIMARY KEY CHECK (id = 1), revoked INTEGER NOT NULL, last_used_ms INTEGER);
      CREATE TABLE IF NOT EXISTS usage (date TEXT PRIMARY KEY, requests INTEGER NOT NULL DEFAULT 0, images INTEGER NOT NULL DEFAULT 0,
        input_bytes INTEGER NOT NULL DEFAULT 0, output_bytes INTEGER NOT NULL DEFAULT 0);
      INSERT OR IGNORE INTO key_meta (id, revoked, last_used_ms) VALUES (1, 0, NULL);
    `);
  }

  /** Counts one request against the window if the limit allows it. */
  admit(limit: number): RateDecision {
    const now = Date.now();
    const windowStart = now - (now % (WINDOW_SECONDS * 1000));
    const reset = Math.max(1, Math.ceil((windowStart + WINDOW_SECONDS * 1000 - now) / 1000));
    const meta = this.sql.exec<{ revoked: number }>("SELECT revoked FROM key_meta WHERE id = 1").one();
    const stored = this.sql.exec<{ start_ms: number; count: number }>("SELECT start_ms, count FROM rate_window WHERE id = 1").toArray()[0];
    const count = stored && stored.start_ms === windowStart ? stored.count : 0;
    if (meta.revoked) return { allowed: false, revoked: true, limit, remaining: Math.max(0, limit - count), reset };
    if (count >= limit) return { allowed: false, revoked: false, limit, remaining: 0, reset };
    this.sql.exec(
      "INSERT INTO rate_window (id, start_ms, count) VALUES (1, ?, ?) ON CONFLICT(id) DO UPDATE SET start_ms = excluded.start_ms, count = excluded.count",
      windowStart,
      count + 1,
    );
    this.sql.exec("UPDATE key_meta SET last_used_ms = ? WHERE id = 1", now);
    this.sql.exec(
      "INSERT INTO usage (date, requests) VALUES (?, 1) ON CONFLICT(date) DO UPDATE SET requests = requests + 1",
      day(now),
    );
    return { allowed: true, revoked: false, limit, remaining: limit - count - 1, reset };
  }

  /** Adds a processed image and its bytes to today's usage. */
  recordImage(inputBytes: number, outputBytes: number): void {
    this.sql.exec(
      `INSERT INTO usage (date, images, input_bytes, output_bytes) VALUES (?, 1, ?, ?)
       ON CONFLICT(date) DO UPDATE SET images = images + 1, input_bytes = input_bytes + excluded.input_bytes,
       output_bytes = output_bytes + excluded.output_bytes`,
      day(Date.now()),
      inputBytes,
      outputBytes,
    );
  }

  revoke(): void {
    this.sql.exec("UPDATE key_meta SET revoked = 1 WHERE id = 1");
  }

  activity(): KeyActivity {
    const meta = this.sql.exec<{ revoked: number; last_used_ms: number | null }>("SELECT revoked, last_used_ms FROM key_meta WHERE id = 1").one();
    return { revoked: meta.revoked === 1, lastUsed: meta.last_used_ms === null ? null : new Date(meta.last_used_ms).toISOString() };
  }

  /** Usage for every day from `from` to `to` inclusive (YYYY-MM-DD), days without traffic as zeros. */
  usage(from: string, to: string): DayUsage[] {
    const rows = this.sql
      .exec<{ date: string; requests: number; images: number; input_bytes: number; output_bytes: number }>(
        "SELECT date, requests, images, input_bytes, output_bytes FROM usage WHERE date >= ? AND date <= ?",
        from,
        to,
      )
      .toArray();
    const byDate = new Map(rows.map((r) => [r.date, r]));
    const out: DayUsage[] = [];
    for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) {
      const date = day(t);
      const r = byDate.get(date);
      out.push({ date, requests: r?.requests ?? 0, images: r?.images ?? 0, inputBytes: r?.input_bytes ?? 0, outputBytes: r?.output_bytes ?? 0 });
    }
    return out;
  }
}

/**
 * One Durable Object per account: the monthly count of processed images. Reservations are
 * atomic (one call at a time), so concurrent requests can never push an account past its quota.
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../config";

export interface QuotaState {
  total: number;
  used: number;
  remaining: number;
}

export interface Reservation extends QuotaState {
  allowed: boolean;
}

const month = (ms: number) => new Date(ms).toISOString().slice(0, 7);

export class AccountState extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec("CREATE TABLE IF NOT EXISTS monthly (month TEXT PRIMARY KEY, images INTEGER NOT NULL)");
  }

  private used(): number {
    const row = this.sql.exec<{ images: number }>("SELECT images FROM monthly WHERE month = ?", month(Date.now())).toArray()[0];
    return row?.images ?? 0;
  }

  private state(total: number, used: number): QuotaState {
    return { total, used, remaining: Math.max(0, total - used) };
  }

  quota(total: number): QuotaState {
    return this.state(total, this.used());
  }

  /** Takes `count` images from this month's quota, or nothing when that would exceed it. */
  reserve(total: number, count: number): Reservation {
    const used = this.used();
    if (used + count > total) return { allowed: false, ...this.state(total, used) };
    this.sql.exec(
      "INSERT INTO monthly (month, images) VALUES (?, ?) ON CONFLICT(month) DO UPDATE SET images = images + excluded.images",
      month(Date.now()),
      count,
    );
    return { allowed: true, ...this.state(total, used + count) };
  }

  /** Gives back images reserved for work that then failed. */
  release(count: number): void {
    this.sql.exec("UPDATE monthly SET images = MAX(0, images - ?) WHERE month = ?", count, month(Date.now()));
  }
}

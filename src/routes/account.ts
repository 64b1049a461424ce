/** GET /1.0/account: account, plan, quota and rate-limit state; also how clients test a key. */
import { Hono } from "hono";
import type { AppEnv } from "../context";
import { requireAuth } from "../auth/middleware";
import { quotaState } from "../quota/quota";

export const account = new Hono<AppEnv>();

account.get("/", requireAuth, async (c) => {
  const caller = c.get("caller")!;
  const rate = c.get("rate")!;
  const quota = await quotaState(c.env, caller);
  return c.json({
    success: true,
    code: 200,
    id: c.get("requestId"),
    company: caller.account.company,
    subscription: { name: caller.account.plan.name, period: caller.account.plan.period },
    quota,
    credits: quota,
    rateLimit: { limit: rate.limit, remaining: rate.remaining, reset: rate.reset },
  });
});

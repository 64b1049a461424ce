/**
 * The monthly image quota, counted in processed images. Image endpoints call `reserveImages`
 * before the work (403 when the month's quota is used up) and `releaseImages` if the work fails,
 * so only images actually delivered are counted.
 */
import type { Env } from "../config";
import type { Caller } from "../context";
import { ApiError } from "../errors";
import type { QuotaState } from "./account-state";

function account(env: Env, caller: Caller) {
  return env.ACCOUNT_STATE.get(env.ACCOUNT_STATE.idFromName(caller.account.id));
}

export async function quotaState(env: Env, caller: Caller): Promise<QuotaState> {
  return account(env, caller).quota(caller.monthlyQuota);
}

export async function reserveImages(env: Env, caller: Caller, count = 1): Promise<void> {
  const reservation = await account(env, caller).reserve(caller.monthlyQuota, count);
  if (!reservation.allowed) {
    throw new ApiError(
      403,
      `Monthly quota exhausted: ${reservation.used} of ${reservation.total} images used this month. It renews on the 1st (UTC).`,
    );
  }
}

export async function releaseImages(env: Env, caller: Caller, count = 1): Promise<void> {
  await account(env, caller).release(count);
}

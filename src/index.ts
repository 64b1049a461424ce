/** Worker entry: the HTTP app, the scheduled sweep, the queue consumer, and the Durable Objects. */
import { app } from "./app";
import { settings, type Env } from "./config";
import { sweepExpired } from "./storage/temp";

export { KeyState } from "./ratelimit/key-state";
export { AccountState } from "./quota/account-state";

export default {
  fetch: app.fetch,
  async scheduled(controller, env, _ctx) {
    const deleted = await sweepExpired(env.OUTPUTS, settings(env).tempTtlSeconds, controller.scheduledTime);
    console.log(`temp sweep: deleted ${deleted} expired output(s)`);
  },
  async queue(batch) {
    // Webhook deliveries are the only messages this queue is for; they are not produced yet, so
    // anything that arrives is reported and acknowledged rather than retried forever.
    for (const message of batch.messages) {
      console.warn(`queue: unexpected message ${message.id}; acknowledged without action`);
      message.ack();
    }
  },
} satisfies ExportedHandler<Env>;

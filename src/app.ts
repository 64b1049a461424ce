/** The Hono app: middleware order and the route table, nothing else. */
import { Hono } from "hono";
import type { AppEnv } from "./context";
import { ApiError } from "./errors";
import { failureResponse } from "./respond";
import { requestId } from "./request-id";
import { authenticate } from "./auth/middleware";
import { rateLimit, rateLimitHeadersOnResponse } from "./ratelimit/middleware";
import { account } from "./routes/account";
import { keys } from "./routes/keys";
import { processRoutes } from "./routes/process";
import { temp } from "./routes/temp";
import { watermarks } from "./routes/watermarks";

export const app = new Hono<AppEnv>();

app.onError((err, c) => failureResponse(c, err));
app.notFound((c) => failureResponse(c, new ApiError(404, `No route for ${c.req.method} ${new URL(c.req.url).pathname}.`)));

app.use(requestId);
app.use(rateLimitHeadersOnResponse);
app.use("/1.0/*", authenticate, rateLimit);

app.route("/1.0/account", account);
app.route("/1.0/keys", keys);
app.route("/1.0/watermarks", watermarks);
app.route("/1.0", processRoutes);
app.route("/temp", temp);

/** Known paths and their methods; any other method on them is a 405 with an Allow header. */
const METHODS: Array<[string, string[]]> = [
  ["/1.0/account", ["GET"]],
  ["/1.0/keys", ["GET", "POST"]],
  ["/1.0/keys/:key", ["PUT", "DELETE"]],
  ["/1.0/keys/:key/usage", ["GET"]],
  ["/1.0/upload", ["POST"]],
  ["/1.0/fetch", ["POST"]],
  ["/1.0/watermarks", ["GET", "POST"]],
  ["/1.0/watermarks/:id", ["GET", "DELETE"]],
  ["/temp/:id/:name", ["GET"]],
];
for (const [path, methods] of METHODS) {
  const allow = methods.includes("GET") ? [...methods, "HEAD"] : methods;
  app.all(path, (c) => {
    throw new ApiError(405, `Method ${c.req.method} is not allowed here; use ${methods.join(" or ")}.`, { Allow: allow.join(", ") });
  });
}

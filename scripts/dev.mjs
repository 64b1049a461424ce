// `npm start`: serves the API locally with `wrangler dev` on 127.0.0.1 (local R2, KV, Durable
// Objects and Queues persisted under .wrangler/state), after making sure a demo account with a
// master key exists. Environment:
//   PORT              port to listen on (default 8787)
//   DEMO_API_KEY      the demo master key (default: generated once, kept in .wrangler/demo-key)
//   DEMO_RATE_LIMIT   the demo account's requests per 15-minute window (default: DEFAULT_RATE_LIMIT)
//   DEMO_QUOTA        the demo account's images per month (default: DEFAULT_MONTHLY_QUOTA)
//   PERSIST_DIR       local state directory (default .wrangler/state)
//   ALLOW_PRIVATE_SOURCES=true   let /1.0/fetch download from loopback/private addresses
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { tmpdir } from "node:os";
import { accountEntries, generateKey, parseLimit, stableKeyId } from "./lib/records.mjs";

const root = resolve(import.meta.dirname, "..");
const port = process.env.PORT || "8787";
const persistDir = resolve(root, process.env.PERSIST_DIR || ".wrangler/state");
const bin = join(root, "node_modules", ".bin");
const wrangler = join(bin, "wrangler");
// node_modules/.bin first, so wrangler runs on the project's pinned Node 22 even when this script
// was started with another node.
const env = { ...process.env, PATH: `${bin}${process.platform === "win32" ? ";" : ":"}${process.env.PATH ?? ""}` };

function demoKey() {
  if (process.env.DEMO_API_KEY) return process.env.DEMO_API_KEY;
  const file = join(root, ".wrangler", "demo-key");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  const key = generateKey();
  mkdirSync(join(root, ".wrangler"), { recursive: true });
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return key;
}

function seed(key) {
  const entries = accountEntries({
    accountId: "demo",
    company: "Demo Account",
    plan: {
      name: "Demo",
      period: "Monthly",
      rateLimit: parseLimit(process.env.DEMO_RATE_LIMIT, "DEMO_RATE_LIMIT"),
      quota: parseLimit(process.env.DEMO_QUOTA, "DEMO_QUOTA"),
    },
    key,
    keyId: stableKeyId(key),
  });
  const file = join(tmpdir(), `optidash-seed-${process.pid}.json`);
  writeFileSync(file, JSON.stringify(entries), { mode: 0o600 });
  try {
    const result = spawnSync(wrangler, ["kv", "bulk", "put", file, "--binding", "KEYS", "--local", "--persist-to", persistDir], {
      cwd: root,
      env,
      encoding: "utf8",
    });
    if (result.status !== 0) {
      process.stderr.write(result.stdout + result.stderr);
      throw new Error("seeding the demo account failed");
    }
  } finally {
    rmSync(file, { force: true });
  }
}

const key = demoKey();
seed(key);

const vars = ["ALLOW_PRIVATE_SOURCES", "PRIVATE_SOURCE_ALLOWLIST", "ALLOW_SENSITIVE_FETCH_HEADERS", "MAX_INPUT_PIXELS", "MAX_LARGE_INPUT_PIXELS", "MAX_ORIENTED_PIXELS", "MAX_OUTPUT_PIXELS", "MAX_AVIF_OUTPUT_PIXELS", "MAX_INPUT_BYTES", "PUBLIC_BASE_URL", "FETCH_TIMEOUT_MS"]
  .filter((name) => process.env[name] !== undefined)
  .flatMap((name) => ["--var", `${name}:${process.env[name]}`]);
const child = spawn(
  wrangler,
  ["dev", "--ip", "127.0.0.1", "--port", port, "--persist-to", persistDir, "--show-interactive-dev-session=false", ...vars],
  { cwd: root, env, stdio: ["ignore", "pipe", "inherit"] },
);

let announced = false;
child.stdout.on("data", (chunk) => {
  process.stdout.write(chunk);
  if (!announced && /Ready on/.test(chunk.toString())) {
    announced = true;
    process.stdout.write(
      `\nOptidash API ready on http://127.0.0.1:${port}\nDemo master key: ${key}\n` +
        `Try: curl -u ${key}: http://127.0.0.1:${port}/1.0/account\n\n`,
    );
  }
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

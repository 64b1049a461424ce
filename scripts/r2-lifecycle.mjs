// Sets the R2 lifecycle rule that deletes temporary outputs (prefix temp/) one day after upload,
// on the deployed bucket. R2 counts whole days and deletes "within 24 hours" after expiry, so the
// rule alone could keep an object ~48 h: the Worker also refuses expired objects on every read and
// sweeps them every 30 minutes (see docs/deployment.md).
//
//   node scripts/r2-lifecycle.mjs [bucket]        (default: optidash-outputs)
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const bin = join(root, "node_modules", ".bin");
const bucket = process.argv[2] || "optidash-outputs";
// Name and prefix are positional: wrangler r2 bucket lifecycle add <bucket> [name] [prefix].
const args = ["r2", "bucket", "lifecycle", "add", bucket, "expire-temp-outputs", "temp/", "--expire-days", "1", "--force"];
const result = spawnSync(join(bin, "wrangler"), args, {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}` },
});
process.exit(result.status ?? 1);

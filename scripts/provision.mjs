// Creates accounts and keys in the KEYS namespace of a deployed instance (or of local state).
//
//   node scripts/provision.mjs create-account --company "Acme Inc." [--id acme] [--plan Startup]
//        [--rate-limit 100000] [--quota 250000] [--local [--persist-to DIR]]
//   node scripts/provision.mjs create-key --account acme --name "ci" [--master] [--local ...]
//
// Writes go through `wrangler kv bulk put --binding KEYS` (--remote unless --local), so the
// wrangler login or CLOUDFLARE_API_TOKEN of the shell is used. The new key is printed once, to
// stdout; it is stored only as its SHA-256 hash and cannot be shown again.
import { spawnSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { accountEntries, generateKey, generateKeyId, keyEntries, parseLimit } from "./lib/records.mjs";

const root = resolve(import.meta.dirname, "..");
const bin = join(root, "node_modules", ".bin");

function put(entries, { local, persistTo }) {
  const file = join(tmpdir(), `optidash-provision-${process.pid}.json`);
  writeFileSync(file, JSON.stringify(entries), { mode: 0o600 });
  const where = local ? ["--local", ...(persistTo ? ["--persist-to", resolve(persistTo)] : [])] : ["--remote"];
  try {
    const result = spawnSync(join(bin, "wrangler"), ["kv", "bulk", "put", file, "--binding", "KEYS", ...where], {
      cwd: root,
      env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}` },
      encoding: "utf8",
    });
    if (result.status !== 0) {
      process.stderr.write(result.stderr || result.stdout);
      process.exit(1);
    }
  } finally {
    rmSync(file, { force: true });
  }
}

const [command, ...rest] = process.argv.slice(2);
const { values } = parseArgs({
  args: rest,
  options: {
    id: { type: "string" },
    account: { type: "string" },
    company: { type: "string" },
    plan: { type: "string", default: "Standard" },
    period: { type: "string", default: "Monthly" },
    "rate-limit": { type: "string" },
    quota: { type: "string" },
    name: { type: "string" },
    master: { type: "boolean", default: false },
    local: { type: "boolean", default: false },
    "persist-to": { type: "string" },
  },
});
const target = { local: values.local, persistTo: values["persist-to"] };

if (command === "create-account") {
  if (!values.company) throw new Error("--company is required");
  const accountId = values.id ?? `acct_${generateKeyId()}`;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(accountId)) throw new Error("--id may hold letters, digits, _ and - only");
  const key = generateKey();
  put(
    accountEntries({
      accountId,
      company: values.company,
      plan: {
        name: values.plan,
        period: values.period,
        rateLimit: parseLimit(values["rate-limit"], "--rate-limit"),
        quota: parseLimit(values.quota, "--quota"),
      },
      key,
      keyId: generateKeyId(),
    }),
    target,
  );
  console.log(JSON.stringify({ account: accountId, masterKey: key }));
} else if (command === "create-key") {
  if (!values.account || !values.name) throw new Error("--account and --name are required");
  const key = generateKey();
  const keyId = generateKeyId();
  put(keyEntries({ accountId: values.account, key, keyId, keyName: values.name, master: values.master }), target);
  console.log(JSON.stringify({ account: values.account, keyId, key }));
} else {
  console.error("usage: node scripts/provision.mjs create-account|create-key [options] (see the header of this file)");
  process.exit(2);
}

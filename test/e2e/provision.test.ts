/** scripts/provision.mjs writes accounts and keys the Worker accepts (here into local state). */
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startDevServer, type DevServer } from "./dev-server";

const root = resolve(import.meta.dirname, "../..");
let server: DevServer | undefined;
afterAll(async () => {
  await server?.stop();
});

function provision(...args: string[]): Record<string, string> {
  const out = execFileSync(process.execPath, [join(root, "scripts", "provision.mjs"), ...args], { cwd: root, encoding: "utf8" });
  return JSON.parse(out.trim().split("\n").at(-1)!) as Record<string, string>;
}

describe("scripts/provision.mjs", () => {
  it("creates an account with a plan and a master key, and a sub-key, that the API accepts", async () => {
    const state = mkdtempSync(join(tmpdir(), "optidash-provision-"));
    const account = provision("create-account", "--company", "Provisioned Ltd", "--id", "prov", "--plan", "Enterprise", "--rate-limit", "1234", "--quota", "99", "--local", "--persist-to", state);
    expect(account.masterKey).toMatch(/^[A-Za-z0-9]{40}$/);
    const sub = provision("create-key", "--account", "prov", "--name", "worker", "--local", "--persist-to", state);
    server = await startDevServer({ PERSIST_DIR: state });
    const auth = (key: string) => ({ headers: { Authorization: `Bearer ${key}` } });
    const res = await fetch(`${server.url}/1.0/account`, auth(account.masterKey!));
    expect(res.status).toBe(200);
    expect(res.headers.get("X-RateLimit-Limit")).toBe("1234");
    expect(await res.json()).toMatchObject({ company: "Provisioned Ltd", subscription: { name: "Enterprise" }, quota: { total: 99 } });
    const keys = (await (await fetch(`${server.url}/1.0/keys`, auth(account.masterKey!))).json()) as { keys: Array<{ id: string; name: string }> };
    expect(keys.keys.map((k) => k.name).sort()).toEqual(["master", "worker"]);
    expect((await fetch(`${server.url}/1.0/account`, auth(sub.key!))).status).toBe(200);
  });
});

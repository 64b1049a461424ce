/**
 * Starts the real Worker with `npm start`'s script (wrangler dev on 127.0.0.1) for end-to-end
 * tests, on a free port with its own state directory, and captures everything it logs.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export interface DevServer {
  url: string;
  key: string;
  logs: () => string;
  stop: () => Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

export async function startDevServer(env: Record<string, string> = {}): Promise<DevServer> {
  const root = resolve(import.meta.dirname, "../..");
  const port = await freePort();
  const state = env.PERSIST_DIR ?? mkdtempSync(join(tmpdir(), "optidash-e2e-"));
  const key = env.DEMO_API_KEY ?? `e2e${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`.padEnd(40, "x").slice(0, 40);
  let output = "";
  const child: ChildProcess = spawn(process.execPath, [join(root, "scripts", "dev.mjs")], {
    cwd: root,
    env: { ...process.env, PORT: String(port), PERSIST_DIR: state, DEMO_API_KEY: key, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr?.on("data", (c: Buffer) => (output += c.toString()));
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  const stop = async () => {
    child.kill("SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    child.kill("SIGKILL");
    rmSync(state, { recursive: true, force: true });
  };
  const deadline = Date.now() + 120_000;
  while (!output.includes("Optidash API ready")) {
    if (child.exitCode !== null) throw new Error(`dev server exited early:\n${output}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`dev server did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url: `http://127.0.0.1:${port}`, key, logs: () => output, stop };
}

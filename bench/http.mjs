// The HTTP section of `npm run bench` (BENCH_ONLY=HTTP): the real Worker under `wrangler dev`
// (scripts/dev.mjs with a demo key and its own state directory) against bench/sharp-server.mjs,
// both on 127.0.0.1, doing P1 over HTTP: a multipart upload of the 3840×2400 JPEG, a 1200×800 JPEG
// q80 back. For each concurrency level a fixed number of requests is sent by `concurrency` loops
// (after 2 warm-up requests per server): requests/s over the level's wall time, p50/p95 latency,
// errors (non-200 or not a 1200×800 JPEG). Both servers are always stopped.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { generateKey } from "../scripts/lib/records.mjs";

const ROOT = join(import.meta.dirname, "..");
const LEVELS = [1, 2, 4];
const REQUESTS = Number(process.env.BENCH_HTTP_REQUESTS ?? 20);
const DOCUMENT = { resize: { mode: "fit", width: 1200, height: 800 }, output: { format: "jpeg", quality: 80 }, response: { mode: "binary" } };
const START_TIMEOUT_MS = 180_000;

function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

/** Starts a process in its own group and waits for `ready` in its output. */
async function startProcess(args, env, ready) {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const exited = new Promise((done) => child.once("exit", done));
  const handle = { child, exited, output: () => output };
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!ready.test(output)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stopProcess(handle);
      throw new Error(`${args.join(" ")} did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return handle;
}

/** SIGTERM to the whole group (node, wrangler, workerd), SIGKILL after 10 s. */
function signalGroup(child, name) {
  try {
    process.kill(-child.pid, name);
  } catch {
    // the group is gone already
  }
}

async function stopProcess({ child, exited }) {
  signalGroup(child, "SIGTERM");
  if (child.exitCode === null && child.signalCode === null) await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  // wrangler's children may outlive the group leader: make sure none is left.
  signalGroup(child, "SIGKILL");
}

/** The servers run in their own process groups, so an interrupted bench must stop them itself. */
function stopOnExit(servers) {
  const kill = () => servers.handles.forEach(({ child }) => signalGroup(child, "SIGKILL"));
  const interrupted = () => {
    kill();
    process.exit(130);
  };
  process.on("exit", kill);
  process.once("SIGINT", interrupted);
  process.once("SIGTERM", interrupted);
  return () => {
    process.off("exit", kill);
    process.off("SIGINT", interrupted);
    process.off("SIGTERM", interrupted);
  };
}

function uploadForm(input) {
  const form = new FormData();
  form.append("file", new Blob([input], { type: "image/jpeg" }), "large.jpg");
  form.append("data", JSON.stringify(DOCUMENT));
  return form;
}

/** One request; true when it answered a 1200×800 JPEG. */
async function send(url, input, headers) {
  const res = await fetch(url, { method: "POST", body: uploadForm(input), headers });
  const body = new Uint8Array(await res.arrayBuffer());
  if (res.status !== 200) return false;
  const meta = await sharp(body).metadata();
  return meta.format === "jpeg" && meta.width === 1200 && meta.height === 800;
}

function percentile(sorted, p) {
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)];
}

async function load(request, concurrency, total) {
  let next = 0;
  let errors = 0;
  const latencies = [];
  const loop = async () => {
    while (next < total) {
      next++;
      const started = performance.now();
      const ok = await request().catch(() => false);
      latencies.push(performance.now() - started);
      if (!ok) errors++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, loop));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { concurrency, requests: total, errors, rps: total / seconds, p50: percentile(latencies, 0.5), p95: percentile(latencies, 0.95) };
}

async function startServers() {
  const key = generateKey();
  const state = mkdtempSync(join(tmpdir(), "optidash-bench-"));
  const [workerPort, sharpPort] = [await freePort(), await freePort()];
  const devEnv = { PORT: String(workerPort), PERSIST_DIR: state, DEMO_API_KEY: key, DEMO_RATE_LIMIT: "1000000", DEMO_QUOTA: "1000000" };
  const servers = { state, handles: [] };
  servers.release = stopOnExit(servers);
  try {
    servers.handles.push(await startProcess([join(ROOT, "scripts", "dev.mjs")], devEnv, /Optidash API ready/));
    servers.handles.push(await startProcess([join(ROOT, "bench", "sharp-server.mjs")], { PORT: String(sharpPort) }, /listening on/));
  } catch (err) {
    await stopServers(servers);
    throw err;
  }
  servers.ours = () => ({ url: `http://127.0.0.1:${workerPort}/1.0/upload`, headers: { Authorization: `Basic ${btoa(`${key}:`)}` } });
  servers.sharp = () => ({ url: `http://127.0.0.1:${sharpPort}/`, headers: {} });
  servers.sharpInfo = servers.handles[1].output().trim();
  return servers;
}

async function stopServers(servers) {
  for (const handle of servers.handles) await stopProcess(handle);
  servers.release();
  rmSync(servers.state, { recursive: true, force: true });
}

export async function httpBench(input) {
  const servers = await startServers();
  try {
    const ours = servers.ours();
    const theirs = servers.sharp();
    const requestOurs = () => send(ours.url, input, ours.headers);
    const requestSharp = () => send(theirs.url, input, theirs.headers);
    for (let i = 0; i < 2; i++) {
      if (!(await requestOurs())) throw new Error("the Worker did not answer a 1200×800 JPEG");
      if (!(await requestSharp())) throw new Error("the sharp server did not answer a 1200×800 JPEG");
    }
    const levels = [];
    for (const concurrency of LEVELS) {
      const a = await load(requestOurs, concurrency, REQUESTS);
      const b = await load(requestSharp, concurrency, REQUESTS);
      levels.push({ concurrency, ours: a, sharp: b, ratio: a.rps / b.rps });
      console.error(`HTTP c=${concurrency}: ours ${a.rps.toFixed(2)} req/s, sharp ${b.rps.toFixed(2)} req/s`);
    }
    return { requests: REQUESTS, sharpServer: servers.sharpInfo, levels };
  } finally {
    await stopServers(servers);
  }
}

export function httpTable(http) {
  const ms = (x) => x.toFixed(0);
  const lines = [
    `HTTP P1 (${http.date}): ${http.requests} requests per level; ${http.sharpServer}`,
    "| concurrency | ours req/s | ours p50 / p95 ms | ours errors | sharp req/s | sharp p50 / p95 ms | sharp errors | ours / sharp req/s |",
    "|---|---|---|---|---|---|---|---|",
  ];
  for (const { concurrency, ours, sharp: s, ratio } of http.levels) {
    lines.push(`| ${concurrency} | ${ours.rps.toFixed(2)} | ${ms(ours.p50)} / ${ms(ours.p95)} | ${ours.errors} | ${s.rps.toFixed(2)} | ${ms(s.p50)} / ${ms(s.p95)} | ${s.errors} | ${(ratio * 100).toFixed(0)} % |`);
  }
  return lines.join("\n");
}

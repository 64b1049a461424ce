/**
 * A misbehaving-on-demand HTTP origin for the fetch-source tests (Node, 127.0.0.1, ephemeral ports).
 *
 * Two listeners serve the same routes, so tests have two origins (different ports) for the
 * cross-origin redirect rules. Routes:
 *   /chelsea.jpg              the fixture, image/jpeg
 *   /files/<name>             the fixture under any name (for input.name)
 *   /redirect/N               N redirects (relative Locations, cycling 301/302/303/307/308), then the fixture
 *   /redirect-to?url=U[&status=S]   one redirect to U
 *   /no-location              302 without a Location
 *   /status/N                 answers status N
 *   /auth                     the fixture with Basic user:pass, 401 otherwise
 *   /echo-headers             the request headers as JSON
 *   /empty                    200 with an empty body
 *   /hang                     never answers
 *   /slow-body                headers and a few bytes, then stalls
 *   /big?id=X                 streams up to 64 MiB without Content-Length; /big-status?id=X tells
 *                             how many bytes went out and whether the client hung up early
 *   /big-declared             Content-Length: 10^12, a few bytes, then stalls
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";

export interface OriginServer {
  port: number;
  otherPort: number;
  /** A port nothing listens on (for connection-refused tests). */
  closedPort: number;
  close(): Promise<void>;
}

interface BigStatus {
  bytes: number;
  aborted: boolean;
  finished: boolean;
}

const BIG_TOTAL = 64 * 1024 * 1024;
const BIG_CHUNK = new Uint8Array(16 * 1024).fill(0x55);
const REDIRECT_CYCLE = [301, 302, 303, 307, 308];

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => void;

/** `port`: where the first listener goes (0 = any free port); the second always takes a free one. */
export async function startOrigin(port = 0): Promise<OriginServer> {
  const fixture = readFileSync(join(import.meta.dirname, "fixtures", "chelsea.jpg"));
  const bigRuns = new Map<string, BigStatus>();
  const handler = createHandler(fixture, bigRuns);
  const servers = [createServer(handler), createServer(handler)];
  const [mainPort, otherPort] = await Promise.all(servers.map((server, i) => listen(server, i === 0 ? port : 0)));
  const closedPort = await unusedPort();
  return {
    port: mainPort ?? 0,
    otherPort: otherPort ?? 0,
    closedPort,
    close: () => Promise.all(servers.map(stop)).then(() => undefined),
  };
}

function createHandler(fixture: Buffer, bigRuns: Map<string, BigStatus>) {
  const routes = routeTable(fixture, bigRuns);
  return (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? "/", "http://origin.test");
    const route = routes.find(([prefix]) => url.pathname === prefix || url.pathname.startsWith(`${prefix}/`));
    if (route) route[1](req, res, url);
    else send(res, 404, "text/plain", "no such route");
  };
}

function routeTable(fixture: Buffer, bigRuns: Map<string, BigStatus>): [string, Handler][] {
  const image: Handler = (_req, res) => send(res, 200, "image/jpeg", fixture);
  return [
    ["/chelsea.jpg", image],
    ["/files", image],
    ["/redirect", redirectChain],
    ["/redirect-to", redirectTo],
    ["/no-location", (_req, res) => send(res, 302, "text/plain", "moved, somewhere")],
    ["/status", (_req, res, url) => send(res, Number(url.pathname.split("/")[2]) || 500, "text/plain", "status")],
    ["/auth", (req, res) => auth(req, res, fixture)],
    ["/echo-headers", (req, res) => send(res, 200, "application/json", JSON.stringify(req.headers))],
    ["/empty", (_req, res) => send(res, 200, "image/jpeg", "")],
    ["/hang", () => undefined],
    ["/slow-body", (_req, res) => stall(res, { "Content-Type": "image/jpeg" }, fixture)],
    ["/big-declared", (_req, res) => stall(res, { "Content-Type": "image/jpeg", "Content-Length": "1000000000000" }, fixture)],
    ["/big-status", (_req, res, url) => send(res, 200, "application/json", JSON.stringify(bigRuns.get(url.searchParams.get("id") ?? "") ?? null))],
    ["/big", (_req, res, url) => streamBig(res, bigRuns, url.searchParams.get("id") ?? "")],
  ];
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, { "Content-Type": type, "Content-Length": Buffer.byteLength(body) });
  res.end(body);
}

function redirectChain(_req: IncomingMessage, res: ServerResponse, url: URL): void {
  const left = Number(url.pathname.split("/")[2] ?? "0");
  const location = left > 1 ? `/redirect/${left - 1}` : "/chelsea.jpg";
  res.writeHead(REDIRECT_CYCLE[left % REDIRECT_CYCLE.length] ?? 302, { Location: location, "Content-Length": 0 });
  res.end();
}

function redirectTo(_req: IncomingMessage, res: ServerResponse, url: URL): void {
  const status = Number(url.searchParams.get("status") ?? "302");
  res.writeHead(status, { Location: url.searchParams.get("url") ?? "/", "Content-Length": 0 });
  res.end();
}

function auth(req: IncomingMessage, res: ServerResponse, fixture: Buffer): void {
  const expected = `Basic ${Buffer.from("user:pass").toString("base64")}`;
  if (req.headers.authorization === expected) {
    send(res, 200, "image/jpeg", fixture);
    return;
  }
  res.setHeader("WWW-Authenticate", 'Basic realm="test"');
  send(res, 401, "text/plain", "who are you?");
}

/** Sends the headers and a few bytes, then nothing; the connection stays open until closed. */
function stall(res: ServerResponse, headers: Record<string, string>, fixture: Buffer): void {
  res.writeHead(200, headers);
  res.write(fixture.subarray(0, 100));
}

function streamBig(res: ServerResponse, bigRuns: Map<string, BigStatus>, id: string): void {
  const status: BigStatus = { bytes: 0, aborted: false, finished: false };
  bigRuns.set(id, status);
  res.on("close", () => {
    status.aborted = !res.writableFinished;
  });
  res.writeHead(200, { "Content-Type": "application/octet-stream" });
  const pump = (): void => {
    while (!res.destroyed && status.bytes < BIG_TOTAL) {
      status.bytes += BIG_CHUNK.byteLength;
      if (!res.write(BIG_CHUNK)) {
        res.once("drain", pump);
        return;
      }
    }
    if (!res.destroyed) {
      status.finished = true;
      res.end();
    }
  };
  pump();
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });
}

function stop(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

async function unusedPort(): Promise<number> {
  const probe = createServer();
  const port = await listen(probe, 0);
  await stop(probe);
  return port;
}

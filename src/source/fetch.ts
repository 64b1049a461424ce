/**
 * The source of POST /1.0/fetch: download `url` safely (spec §3.1, §7).
 *
 * - Only http and https; the host must pass `classifyHost` (no loopback, private, reserved,
 *   local names) unless `settings.allowPrivateSources`. Any port 1-65535 is allowed on a host
 *   that passes: image origins on :8080 and the like are common, and the address check, not the
 *   port, is what keeps us away from internal services.
 * - `user:pass@` in the URL is removed from it and sent as `Authorization: Basic`, to the
 *   original origin only: a redirect to another origin (scheme, host or port) drops it, and also
 *   drops the caller's Authorization, Cookie, Proxy-Authorization and Host headers when the
 *   deployment allowed them. Credentials in a redirect's Location are ignored.
 * - `headers`: names must be HTTP tokens, values single-line Latin-1 text; Host, Authorization and
 *   Cookie are refused (422) unless `settings.allowSensitiveFetchHeaders`. User-Agent is always
 *   `Optidash/1.0`: a caller's User-Agent, like hop-by-hop and framing headers (Connection,
 *   Content-Length, Transfer-Encoding, ...), is silently ignored rather than refused, so clients
 *   that forward a header set unchanged keep working.
 * - Redirects are followed by hand, at most `settings.fetchMaxRedirects` hops, each target
 *   re-checked as above (422 when refused). More hops → 502: the origin misbehaves, not the
 *   request.
 * - One deadline, `settings.fetchTimeoutMs`, covers every hop and the whole body → 504.
 * - The body is counted as it streams: over `settings.maxInputBytes` (or a Content-Length above
 *   it) → the stream is cancelled and 413. An empty body is returned as is.
 * Every failure is an ApiError; URLs in messages never carry credentials.
 */
import type { Settings } from "../config";
import { readCapped } from "./body";
import { ApiError, badRequest, unprocessable } from "../errors";
import { classifyHost } from "./address";

export interface FetchedSource {
  bytes: Uint8Array;
  /** Last path segment of the final URL, percent-decoded; "" when there is none. */
  name: string;
  contentType: string | null;
  /** The URL the bytes came from, after redirects, without credentials. */
  finalUrl: string;
}

/** How a request reaches the network. The default is the runtime's fetch(). */
export type Fetcher = (request: Request) => Promise<Response>;

export interface FetchSourceOptions {
  /** Substitute transport; tests use it to put a public host name in front of a local server. */
  fetcher?: Fetcher;
}

export const USER_AGENT = "Optidash/1.0";

const MAX_URL_LENGTH = 8192;
const MAX_HEADERS = 64;
const MAX_HEADER_VALUE_LENGTH = 8192;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const SENSITIVE_HEADERS = new Set(["host", "authorization", "cookie"]);
/** Headers that belong to one origin: never carried to another one by a redirect. */
const ORIGIN_BOUND_HEADERS = new Set(["host", "authorization", "cookie", "proxy-authorization"]);
/** Headers the fetcher owns; a caller's value is dropped. */
const IGNORED_HEADERS = new Set([
  "user-agent",
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "te",
  "trailer",
  "upgrade",
  "content-length",
  "expect",
]);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

export async function fetchSource(
  url: unknown,
  headers: unknown,
  settings: Settings,
  options: FetchSourceOptions = {},
): Promise<FetchedSource> {
  const target = parseSourceUrl(url, settings);
  const extra = parseHeaders(headers, settings);
  const deadline = new Deadline(settings.fetchTimeoutMs);
  try {
    const fetcher = options.fetcher ?? defaultFetcher;
    const final = await followRedirects(target, extra, settings, deadline, fetcher);
    const bytes = await readBody(final.response, settings.maxInputBytes, deadline);
    return {
      bytes,
      name: nameFromUrl(final.url),
      contentType: final.response.headers.get("Content-Type"),
      finalUrl: final.url.href,
    };
  } finally {
    deadline.clear();
  }
}

const defaultFetcher: Fetcher = (request) => fetch(request);

// ---------------------------------------------------------------------------------------------
// The URL

interface Target {
  /** The requested URL, credentials removed. */
  url: URL;
  /** `Basic ...` built from the URL's user:pass, or null. */
  authorization: string | null;
}

function parseSourceUrl(raw: unknown, settings: Settings): Target {
  if (raw === undefined || raw === null || (typeof raw === "string" && raw.trim() === "")) {
    throw badRequest("Fetch 'url' parameter is required");
  }
  if (typeof raw !== "string") throw unprocessable("Fetch 'url' parameter must be a string");
  if (raw.length > MAX_URL_LENGTH) {
    throw unprocessable(`Fetch 'url' parameter must be at most ${MAX_URL_LENGTH} characters long`);
  }
  const url = parseUrl(raw);
  if (url === null) throw unprocessable("Fetch 'url' parameter must be a valid http or https URL");
  const authorization = takeCredentials(url);
  const problem = urlProblem(url, settings);
  if (problem !== null) throw unprocessable(`Fetch 'url' parameter ${problem}`);
  return { url, authorization };
}

function parseUrl(text: string, base?: URL): URL | null {
  try {
    return new URL(text, base);
  } catch {
    return null;
  }
}

/** Why the URL may not be fetched (a predicate phrase), or null. */
function urlProblem(url: URL, settings: Settings): string | null {
  if (url.protocol !== "http:" && url.protocol !== "https:") return "must be an http or https URL";
  if (url.port === "0") return "must not use port 0";
  if (settings.allowPrivateSources || allowListed(url, settings)) return null;
  const host = classifyHost(url.hostname);
  if (host.blockedReason === null) return null;
  return `refers to a private or reserved address (${host.normalized}: ${host.blockedReason})`;
}

function allowListed(url: URL, settings: Settings): boolean {
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  return settings.privateSourceAllowlist.includes(`${url.hostname.toLowerCase()}:${port}`);
}

/** Removes user:pass from the URL and returns it as a Basic Authorization value. */
function takeCredentials(url: URL): string | null {
  if (url.username === "" && url.password === "") return null;
  const pair = `${percentDecode(url.username)}:${percentDecode(url.password)}`;
  url.username = "";
  url.password = "";
  return `Basic ${base64Utf8(pair)}`;
}

function percentDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function base64Utf8(text: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** A URL fit for an error message: no credentials, bounded length. */
function display(url: URL): string {
  const copy = new URL(url.href);
  copy.username = "";
  copy.password = "";
  const text = copy.href;
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
}

function nameFromUrl(url: URL): string {
  const path = url.pathname;
  return percentDecode(path.slice(path.lastIndexOf("/") + 1));
}

// ---------------------------------------------------------------------------------------------
// The caller's headers

type HeaderList = readonly (readonly [name: string, value: string])[];

function parseHeaders(raw: unknown, settings: Settings): HeaderList {
  if (raw === undefined || raw === null) return [];
  if (typeof raw !== "object" || Array.isArray(raw)) {
    throw unprocessable("Fetch 'headers' parameter must be an object of header names to string values");
  }
  const entries = Object.entries(raw);
  if (entries.length > MAX_HEADERS) {
    throw unprocessable(`Fetch 'headers' parameter must have at most ${MAX_HEADERS} headers`);
  }
  const list: (readonly [string, string])[] = [];
  for (const [name, value] of entries) {
    const text = checkHeader(name, value, settings);
    if (!IGNORED_HEADERS.has(name.toLowerCase())) list.push([name, text]);
  }
  return list;
}

/** Validates one header and returns its value as text. */
function checkHeader(name: string, value: unknown, settings: Settings): string {
  if (!TOKEN.test(name)) {
    throw unprocessable(`Fetch 'headers' parameter has an invalid header name ${JSON.stringify(name.slice(0, 100))}`);
  }
  if (SENSITIVE_HEADERS.has(name.toLowerCase()) && !settings.allowSensitiveFetchHeaders) {
    const hint = name.toLowerCase() === "authorization" ? " (put user:pass@ in the 'url' instead)" : "";
    throw unprocessable(`Fetch 'headers' parameter may not set ${name}${hint}`);
  }
  const text = headerText(value);
  if (text === null) {
    throw unprocessable(`Fetch 'headers' parameter: the value of ${name} must be a string or a number`);
  }
  if (text.length > MAX_HEADER_VALUE_LENGTH || !FIELD_VALUE.test(text)) {
    throw unprocessable(
      `Fetch 'headers' parameter: the value of ${name} must be one line of text of at most ` +
        `${MAX_HEADER_VALUE_LENGTH} characters, without CR, LF, NUL or other control characters`,
    );
  }
  return text;
}

function headerText(value: unknown): string | null {
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return null;
}

/** The headers of one hop: the caller's, our User-Agent, and credentials on the first origin. */
function hopHeaders(url: URL, target: Target, extra: HeaderList): Headers {
  const sameOrigin = url.origin === target.url.origin;
  const headers = new Headers();
  for (const [name, value] of extra) {
    if (sameOrigin || !ORIGIN_BOUND_HEADERS.has(name.toLowerCase())) headers.append(name, value);
  }
  if (sameOrigin && target.authorization !== null) headers.set("Authorization", target.authorization);
  headers.set("User-Agent", USER_AGENT);
  return headers;
}

// ---------------------------------------------------------------------------------------------
// The deadline

/** One timer for the whole download; `race` makes any wait give up when it fires. */
class Deadline {
  private readonly controller = new AbortController();
  private readonly timer: ReturnType<typeof setTimeout>;
  private readonly expiry: Promise<never>;
  private readonly ms: number;
  private expired = false;

  constructor(ms: number) {
    this.ms = ms;
    let fire: (err: ApiError) => void = () => undefined;
    this.expiry = new Promise<never>((_, reject) => (fire = reject));
    this.expiry.catch(() => undefined);
    this.timer = setTimeout(() => {
      this.expired = true;
      fire(this.error());
      this.controller.abort();
    }, ms);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get hasExpired(): boolean {
    return this.expired;
  }

  race<T>(work: Promise<T>): Promise<T> {
    return Promise.race([work, this.expiry]);
  }

  error(): ApiError {
    const seconds = Math.round(this.ms / 100) / 10;
    return new ApiError(504, `The origin did not answer within ${seconds} second${seconds === 1 ? "" : "s"}`);
  }

  clear(): void {
    clearTimeout(this.timer);
  }
}

// ---------------------------------------------------------------------------------------------
// Hops and redirects

interface Final {
  response: Response;
  url: URL;
}

async function followRedirects(
  target: Target,
  extra: HeaderList,
  settings: Settings,
  deadline: Deadline,
  fetcher: Fetcher,
): Promise<Final> {
  let url = target.url;
  for (let hop = 0; ; hop++) {
    const response = await fetchHop(url, hopHeaders(url, target, extra), deadline, fetcher);
    const location = redirectLocation(response, url);
    if (location === null) return { response: checkStatus(response, url), url };
    discard(response);
    if (hop >= settings.fetchMaxRedirects) {
      throw new ApiError(502, `The origin redirected more than ${settings.fetchMaxRedirects} times (last from ${display(url)})`);
    }
    url = redirectTarget(location, url, settings);
  }
}

async function fetchHop(url: URL, headers: Headers, deadline: Deadline, fetcher: Fetcher): Promise<Response> {
  const request = new Request(url.href, { method: "GET", headers, redirect: "manual", signal: deadline.signal });
  try {
    return await deadline.race(fetcher(request));
  } catch {
    if (deadline.hasExpired) throw deadline.error();
    throw new ApiError(502, `Could not connect to the origin host ${url.host} (connection refused, DNS or TLS failure)`);
  }
}

/** The Location of a redirect response, or null when the response is not a redirect. */
function redirectLocation(response: Response, url: URL): string | null {
  if (!REDIRECT_STATUSES.has(response.status)) return null;
  const location = response.headers.get("Location");
  if (location === null || location.trim() === "") {
    discard(response);
    throw new ApiError(502, `The origin answered ${statusLine(response)} without a Location header for ${display(url)}`);
  }
  return location;
}

function redirectTarget(location: string, from: URL, settings: Settings): URL {
  const next = parseUrl(location, from);
  if (next === null) throw new ApiError(502, `The origin redirected to an invalid URL from ${display(from)}`);
  next.username = "";
  next.password = "";
  const problem = urlProblem(next, settings);
  if (problem !== null) throw unprocessable(`Fetch 'url' parameter redirected to ${display(next)}; the target ${problem}`);
  return next;
}

function checkStatus(response: Response, url: URL): Response {
  if (response.ok) return response;
  discard(response);
  throw new ApiError(502, `The origin answered ${statusLine(response)} for ${display(url)}`);
}

function statusLine(response: Response): string {
  return response.statusText ? `${response.status} ${response.statusText}` : String(response.status);
}

function discard(response: Response): void {
  response.body?.cancel().catch(() => undefined);
}

// ---------------------------------------------------------------------------------------------
// The body


function declaredLength(response: Response): number | null {
  const value = response.headers.get("Content-Length");
  return value !== null && /^\s*\d+\s*$/.test(value) ? Number(value) : null;
}

function readBody(response: Response, limit: number, deadline: Deadline): Promise<Uint8Array> {
  return readCapped(response.body, declaredLength(response), limit, { read: (reader) => readChunk(reader, deadline) });
}

async function readChunk(reader: ReadableStreamDefaultReader<Uint8Array>, deadline: Deadline): Promise<Uint8Array | null> {
  try {
    const { done, value } = await deadline.race(reader.read());
    return done ? null : value;
  } catch {
    if (deadline.hasExpired) throw deadline.error();
    throw new ApiError(502, "The origin closed the connection before sending the whole body");
  }
}


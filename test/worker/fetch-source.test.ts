/**
 * fetchSource against a real local origin (test/origin-server.ts, started by test/origin-setup.ts).
 *
 * The origin listens on 127.0.0.1, which the SSRF guard refuses, so most tests allow private
 * sources. The guard itself is tested with allowPrivateSources false in two ways: targets that are
 * refused before any network access, and a "public" host name (PUBLIC_HOST) that a substitute
 * fetcher routes to the local origin, so a public first hop can redirect to a private address.
 */
import { describe, expect, inject, it } from "vitest";
import { settings, type Settings } from "../../src/config";
import { ApiError } from "../../src/errors";
import { fetchSource, type Fetcher } from "../../src/source/fetch";
import { fixture } from "./fixtures";
import { testEnv } from "./helpers";

declare module "vitest" {
  export interface ProvidedContext {
    origin: { port: number; otherPort: number; closedPort: number };
  }
}

const { port, otherPort, closedPort } = inject("origin");
const ORIGIN = `http://127.0.0.1:${port}`;
const OTHER_ORIGIN = `http://127.0.0.1:${otherPort}`;
const PUBLIC_HOST = "images.public-origin.example";
const PUBLIC_ORIGIN = `http://${PUBLIC_HOST}`;

function local(overrides: Partial<Settings> = {}): Settings {
  return { ...settings(testEnv), allowPrivateSources: true, fetchTimeoutMs: 1500, maxInputBytes: 100_000, ...overrides };
}

function guarded(overrides: Partial<Settings> = {}): Settings {
  return local({ allowPrivateSources: false, privateSourceAllowlist: [], ...overrides });
}

/** Routes PUBLIC_HOST to the local origin and records every request it is asked to make. */
function publicFront(calls: string[] = []): Fetcher {
  return (request) => {
    calls.push(request.url);
    const url = new URL(request.url);
    if (url.hostname === PUBLIC_HOST) url.host = `127.0.0.1:${port}`;
    return fetch(url.href, { headers: request.headers, redirect: "manual", signal: request.signal });
  };
}

/** A fetcher for tests where the request must be refused before reaching the network. */
const noNetwork: Fetcher = (request) => {
  throw new Error(`unexpected fetch of ${request.url}`);
};

async function failure(work: Promise<unknown>, status: number, message?: RegExp): Promise<ApiError> {
  const err: unknown = await work.then(
    () => new Error("expected a failure, got a success"),
    (reason: unknown) => reason,
  );
  if (!(err instanceof ApiError)) throw err;
  expect(err.status, err.message).toBe(status);
  if (message) expect(err.message).toMatch(message);
  return err;
}

async function echoedHeaders(url: string, headers?: unknown, config: Settings = local()): Promise<Record<string, string>> {
  const source = await fetchSource(url, headers, config);
  return JSON.parse(new TextDecoder().decode(source.bytes)) as Record<string, string>;
}

describe("fetchSource: success", () => {
  it("downloads the fixture byte for byte and names it after the last path segment", async () => {
    const source = await fetchSource(`${ORIGIN}/chelsea.jpg`, undefined, local());
    expect(source.bytes).toEqual(fixture("chelsea.jpg"));
    expect(source.name).toBe("chelsea.jpg");
    expect(source.contentType).toBe("image/jpeg");
    expect(source.finalUrl).toBe(`${ORIGIN}/chelsea.jpg`);
  });

  it("percent-decodes the name, and gives an empty name when the path has no last segment", async () => {
    expect((await fetchSource(`${ORIGIN}/files/my%20cat.jpg?x=1`, null, local())).name).toBe("my cat.jpg");
    expect((await fetchSource(`${ORIGIN}/files/`, null, local())).name).toBe("");
  });

  it("lets an empty body through (the probe answers 415)", async () => {
    const source = await fetchSource(`${ORIGIN}/empty`, undefined, local());
    expect(source.bytes.byteLength).toBe(0);
  });
});

describe("fetchSource: request headers", () => {
  it("identifies as Optidash/1.0, whatever User-Agent the caller sends", async () => {
    expect((await echoedHeaders(`${ORIGIN}/echo-headers`))["user-agent"]).toBe("Optidash/1.0");
    const overridden = await echoedHeaders(`${ORIGIN}/echo-headers`, { "User-Agent": "evil/1.0" });
    expect(overridden["user-agent"]).toBe("Optidash/1.0");
  });

  it("passes the caller's headers, numbers stringified", async () => {
    const echoed = await echoedHeaders(`${ORIGIN}/echo-headers`, { "X-Custom": "yes", "Accept-Language": "fr", "X-Number": 42 });
    expect(echoed).toMatchObject({ "x-custom": "yes", "accept-language": "fr", "x-number": "42" });
  });

  it("refuses Host, Authorization and Cookie unless the deployment allows them", async () => {
    for (const name of ["Host", "authorization", "COOKIE"]) {
      await failure(fetchSource(`${ORIGIN}/echo-headers`, { [name]: "x" }, local()), 422, new RegExp(`'headers'.*${name}`));
    }
    const echoed = await echoedHeaders(`${ORIGIN}/echo-headers`, { Cookie: "a=1" }, local({ allowSensitiveFetchHeaders: true }));
    expect(echoed.cookie).toBe("a=1");
  });

  it("refuses invalid header names, values and shapes", async () => {
    const bad: unknown[] = [
      { "Bad Name": "x" },
      { "X-A:": "x" },
      { "": "x" },
      { "X-Ümlaut": "x" },
      { "X-A": "line\r\nInjected: 1" },
      { "X-A": "line\nbreak" },
      { "X-A": "nul\u0000" },
      { "X-A": "wide \u20ac" },
      { "X-A": true },
      { "X-A": null },
      { "X-A": { nested: 1 } },
      { "X-A": Number.NaN },
      ["X-A", "x"],
      "X-A: x",
      42,
    ];
    for (const headers of bad) {
      await failure(fetchSource(`${ORIGIN}/echo-headers`, headers, local({ fetchTimeoutMs: 10 })), 422, /'headers'/);
    }
  });
});

describe("fetchSource: credentials in the URL", () => {
  it("sends user:pass@ as Basic auth and keeps it out of the final URL", async () => {
    const source = await fetchSource(`http://user:pass@127.0.0.1:${port}/auth`, undefined, local());
    expect(source.bytes).toEqual(fixture("chelsea.jpg"));
    expect(source.finalUrl).toBe(`${ORIGIN}/auth`);
    await failure(fetchSource(`${ORIGIN}/auth`, undefined, local()), 502, /401 Unauthorized/);
  });

  it("percent-decodes user and password and encodes them as UTF-8", async () => {
    const echoed = await echoedHeaders(`http://us%40er:p%C3%A4ss@127.0.0.1:${port}/echo-headers`);
    const expected = btoa(String.fromCharCode(...new TextEncoder().encode("us@er:päss")));
    expect(echoed.authorization).toBe(`Basic ${expected}`);
  });

  it("keeps Authorization across a same-origin redirect and drops it across origins", async () => {
    const same = await echoedHeaders(`http://user:pass@127.0.0.1:${port}/redirect-to?url=/echo-headers`);
    expect(same.authorization).toMatch(/^Basic /);
    const target = encodeURIComponent(`${OTHER_ORIGIN}/echo-headers`);
    const other = await echoedHeaders(`http://user:pass@127.0.0.1:${port}/redirect-to?url=${target}`);
    expect(other.authorization).toBeUndefined();
    expect(other["user-agent"]).toBe("Optidash/1.0");
  });

  it("drops allowed sensitive headers across origins but keeps ordinary ones", async () => {
    const target = encodeURIComponent(`${OTHER_ORIGIN}/echo-headers`);
    const config = local({ allowSensitiveFetchHeaders: true });
    const echoed = await echoedHeaders(`${ORIGIN}/redirect-to?url=${target}`, { Cookie: "a=1", "X-Keep": "1" }, config);
    expect(echoed.cookie).toBeUndefined();
    expect(echoed["x-keep"]).toBe("1");
  });

  it("never prints credentials in error messages", async () => {
    const err = await failure(fetchSource(`http://user:s3cret@127.0.0.1:${port}/status/404`, undefined, local()), 502);
    expect(err.message).not.toMatch(/s3cret|user/);
  });
});

describe("fetchSource: redirects", () => {
  it("follows 5 redirects (relative Locations, every redirect status) and names the final URL", async () => {
    const source = await fetchSource(`${ORIGIN}/redirect/5`, undefined, local());
    expect(source.bytes).toEqual(fixture("chelsea.jpg"));
    expect(source.finalUrl).toBe(`${ORIGIN}/chelsea.jpg`);
    expect(source.name).toBe("chelsea.jpg");
  });

  it("refuses a 6th redirect with 502, and honours a lower limit", async () => {
    await failure(fetchSource(`${ORIGIN}/redirect/6`, undefined, local()), 502, /redirected more than 5 times/);
    await failure(fetchSource(`${ORIGIN}/redirect/1`, undefined, local({ fetchMaxRedirects: 0 })), 502, /more than 0 times/);
  });

  it("answers 502 for a redirect without a Location", async () => {
    await failure(fetchSource(`${ORIGIN}/no-location`, undefined, local()), 502, /302 Found without a Location/);
  });

  it("follows a public host that redirects to another public URL", async () => {
    const calls: string[] = [];
    const next = encodeURIComponent(`${PUBLIC_ORIGIN}/chelsea.jpg`);
    const source = await fetchSource(`${PUBLIC_ORIGIN}/redirect-to?url=${next}`, undefined, guarded(), { fetcher: publicFront(calls) });
    expect(source.bytes).toEqual(fixture("chelsea.jpg"));
    expect(calls).toHaveLength(2);
  });

  it("refuses, before fetching it, a redirect to a private address or a bad scheme", async () => {
    const targets = [
      `${ORIGIN}/chelsea.jpg`,
      `http://localhost:${port}/chelsea.jpg`,
      `http://[::ffff:127.0.0.1]:${port}/chelsea.jpg`,
      "http://2130706433/",
      "http://10.0.0.1/",
      "http://169.254.169.254/latest/meta-data/",
      "http://metadata.google.internal/",
      "file:///etc/passwd",
      "ftp://example.com/a.jpg",
    ];
    for (const target of targets) {
      const calls: string[] = [];
      const url = `${PUBLIC_ORIGIN}/redirect-to?url=${encodeURIComponent(target)}`;
      await failure(fetchSource(url, undefined, guarded(), { fetcher: publicFront(calls) }), 422, /redirected to .*; the target/);
      expect(calls, target).toEqual([url]);
    }
  });
});

describe("fetchSource: origin failures", () => {
  it("answers 502 naming the origin status", async () => {
    await failure(fetchSource(`${ORIGIN}/status/404`, undefined, local()), 502, new RegExp(`404 Not Found for ${ORIGIN}/status/404`));
    await failure(fetchSource(`${ORIGIN}/status/500`, undefined, local()), 502, /500 Internal Server Error/);
  });

  it("answers 502 naming the host when nothing listens or the name does not resolve", async () => {
    await failure(fetchSource(`http://127.0.0.1:${closedPort}/a.jpg`, undefined, local()), 502, new RegExp(`127\\.0\\.0\\.1:${closedPort}`));
    await failure(fetchSource("http://no-such-host.invalid/a.jpg", undefined, local({ fetchTimeoutMs: 5000 })), 502, /no-such-host\.invalid/);
  });

  it("answers 504 when the origin never answers, within the timeout", async () => {
    const started = performance.now();
    await failure(fetchSource(`${ORIGIN}/hang`, undefined, local({ fetchTimeoutMs: 800 })), 504, /within 0\.8 seconds/);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it("answers 504 when the body stalls", async () => {
    await failure(fetchSource(`${ORIGIN}/slow-body`, undefined, local({ fetchTimeoutMs: 800 })), 504, /did not answer/);
  });
});

describe("fetchSource: byte limit", () => {
  it("cancels a body that grows past the limit and answers 413", async () => {
    const id = crypto.randomUUID();
    await failure(fetchSource(`${ORIGIN}/big?id=${id}`, undefined, local()), 413, /100000-byte limit/);
    const status = await waitForBigStatus(id);
    expect(status.aborted).toBe(true);
    expect(status.finished).toBe(false);
  });

  it("answers 413 from a declared Content-Length without reading the body", async () => {
    const started = performance.now();
    await failure(fetchSource(`${ORIGIN}/big-declared`, undefined, local({ fetchTimeoutMs: 10_000 })), 413);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it("accepts a body exactly at the limit", async () => {
    const size = fixture("chelsea.jpg").byteLength;
    expect((await fetchSource(`${ORIGIN}/chelsea.jpg`, undefined, local({ maxInputBytes: size }))).bytes.byteLength).toBe(size);
    await failure(fetchSource(`${ORIGIN}/chelsea.jpg`, undefined, local({ maxInputBytes: size - 1 })), 413);
  });
});

interface BigStatus {
  bytes: number;
  aborted: boolean;
  finished: boolean;
}

/** The origin notices the hang-up asynchronously: poll its record for a moment. */
async function waitForBigStatus(id: string): Promise<BigStatus> {
  let status: BigStatus | null = null;
  for (let attempt = 0; attempt < 50; attempt++) {
    const res = await fetch(`${ORIGIN}/big-status?id=${id}`);
    status = (await res.json()) as BigStatus | null;
    if (status?.aborted || status?.finished) return status;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the origin still streams: ${JSON.stringify(status)}`);
}

describe("fetchSource: the url parameter", () => {
  it("answers 400 when the url is missing and 422 when it is not a string or not a URL", async () => {
    for (const missing of [undefined, null, "", "   "]) await failure(fetchSource(missing, undefined, local()), 400, /'url'/);
    for (const wrong of [42, true, {}, ["http://example.com/"]]) await failure(fetchSource(wrong, undefined, local()), 422, /'url'.*string/);
    for (const garbage of ["not a url", "http://", "http://[::1", `http://a.com/${"x".repeat(9000)}`]) {
      await failure(fetchSource(garbage, undefined, local()), 422, /'url'/);
    }
  });

  it("refuses schemes other than http and https", async () => {
    const urls = ["ftp://example.com/a.jpg", "file:///etc/passwd", "data:image/png;base64,AAAA", "javascript:alert(1)", "gopher://example.com/", "ws://example.com/", "blob:https://example.com/x"];
    for (const url of urls) {
      await failure(fetchSource(url, undefined, local(), { fetcher: noNetwork }), 422, /'url' parameter must be an http or https URL/);
    }
  });

  it("refuses port 0", async () => {
    await failure(fetchSource("http://example.com:0/a.jpg", undefined, guarded(), { fetcher: noNetwork }), 422, /port 0/);
  });

  it("refuses every private or reserved address form when private sources are not allowed", async () => {
    for (const host of REFUSED_URL_HOSTS) {
      const url = `http://${host}/image.jpg`;
      await failure(fetchSource(url, undefined, guarded(), { fetcher: noNetwork }), 422, /private or reserved address/);
    }
  });

  it("lets public addresses through when private sources are not allowed", async () => {
    const calls: string[] = [];
    await fetchSource(`${PUBLIC_ORIGIN}/chelsea.jpg`, undefined, guarded(), { fetcher: publicFront(calls) });
    expect(calls).toEqual([`${PUBLIC_ORIGIN}/chelsea.jpg`]);
  });
});

/** Hosts as a client may write them in a URL (the URL parser normalises some of them first). */
const REFUSED_URL_HOSTS = [
  "127.0.0.1",
  "127.0.0.1.",
  "127.0.0.1..",
  "127.1",
  "2130706433",
  "0x7f000001",
  "0x7f.0.0.1",
  "0177.0.0.1",
  "017700000001",
  "%31%32%37.0.0.1",
  "127。0。0。1",
  "0.0.0.0",
  "0",
  "10.0.0.1",
  "10.1.2",
  "172.16.0.1",
  "172.31.255.255",
  "192.168.1.1",
  "169.254.169.254",
  "100.64.0.1",
  "100.127.255.255",
  "224.0.0.1",
  "239.255.255.250",
  "240.0.0.1",
  "255.255.255.255",
  "192.0.0.1",
  "192.0.2.1",
  "198.18.0.1",
  "198.19.255.255",
  "198.51.100.1",
  "203.0.113.1",
  "[::]",
  "[::1]",
  "[0:0:0:0:0:0:0:1]",
  "[fe80::1]",
  "[febf::1]",
  "[fc00::1]",
  "[fd12:3456::1]",
  "[fec0::1]",
  "[ff02::1]",
  "[2001:db8::1]",
  "[100::1]",
  "[::ffff:127.0.0.1]",
  "[::ffff:7f00:1]",
  "[::ffff:8.8.8.8]",
  "[::127.0.0.1]",
  "[2002:7f00:1::]",
  "[2002:c0a8:101::1]",
  "[64:ff9b::10.0.0.1]",
  "[64:ff9b::7f00:1]",
  "[64:ff9b:1::a00:1]",
  "[2001::1]",
  "[2001:0:4136:e378:8000:63bf:3fff:fdd2]",
  "localhost",
  "LOCALHOST",
  "localhost.",
  "ｌｏｃａｌｈｏｓｔ",
  "foo.localhost",
  "localhost.localdomain",
  "printer.local",
  "metadata.google.internal",
  "nas.home.arpa",
  "ip6-localhost",
  "intranet",
];

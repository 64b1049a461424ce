/**
 * Which URL hosts a fetch source may name (the SSRF guard of POST /1.0/fetch, spec §3.1).
 *
 * `classifyHost` takes either a raw host as a client typed it ("0x7f.1", "[::ffff:127.0.0.1]",
 * "LOCALHOST.") or a hostname already canonicalised by the WHATWG URL parser ("127.0.0.1",
 * "[::ffff:7f00:1]"); both spellings of one address get the same answer. IPv4 spellings follow
 * the WHATWG IPv4 parser (decimal, hex and octal parts, 1 to 4 parts, trailing dot); a host whose
 * last label is a number but that is not a valid IPv4 address is refused rather than sent to DNS.
 *
 * Limits of this check (defence in depth is elsewhere):
 * - Workers cannot resolve DNS, so a public name whose A/AAAA record points at a private address
 *   (or that is rebound to one between hops) is not caught here; only literals and well-known
 *   local names are.
 * - On Cloudflare's network a Worker's fetch() leaves from Cloudflare's edge, which cannot reach
 *   the private addresses of the deployment's own network anyway; this check mainly matters for
 *   `wrangler dev` / self-hosted workerd, where fetch() runs on the operator's machine.
 */

export type HostKind = "ipv4" | "ipv6" | "name";

export interface HostClass {
  kind: HostKind;
  /** Why the host may not be fetched, or null when it is a public address or name. */
  blockedReason: string | null;
  /** Lower case, no brackets, no trailing dot; IPv4 dotted quad; IPv6 in RFC 5952 form. */
  normalized: string;
}

export function classifyHost(hostname: string): HostClass {
  const cleaned = cleanHost(hostname);
  if (cleaned.ipv6) return classifyIPv6Text(cleaned.host);
  if (endsInNumber(cleaned.host)) return classifyIPv4Text(cleaned.host);
  return classifyName(cleaned.host);
}

// ---------------------------------------------------------------------------------------------
// Cleaning the raw text

interface CleanHost {
  host: string;
  ipv6: boolean;
}

function cleanHost(raw: string): CleanHost {
  let host = raw.trim();
  const bracketed = host.startsWith("[") && host.endsWith("]");
  if (bracketed) host = host.slice(1, -1);
  // Full-width letters and digits, ideographic full stops: what the URL parser's IDNA step folds.
  host = host.normalize("NFKC").replace(/[\u3002\uff0e\uff61]/g, ".").toLowerCase();
  if (bracketed || host.includes(":")) return { host: stripZone(host), ipv6: true };
  return { host: percentDecode(host).replace(/\.+$/, ""), ipv6: false };
}

/** "fe80::1%eth0" and "fe80::1%25eth0" name the same address as "fe80::1". */
function stripZone(host: string): string {
  const zone = host.indexOf("%");
  return zone < 0 ? host : host.slice(0, zone);
}

function percentDecode(host: string): string {
  if (!host.includes("%")) return host;
  try {
    return decodeURIComponent(host).toLowerCase();
  } catch {
    return host;
  }
}

// ---------------------------------------------------------------------------------------------
// IPv4

type Range = readonly [base: string, prefix: number, reason: string];

const IPV4_BLOCKED: readonly Range[] = [
  ["0.0.0.0", 8, "this-network address"],
  ["10.0.0.0", 8, "private address"],
  ["100.64.0.0", 10, "shared (CGNAT) address"],
  ["127.0.0.0", 8, "loopback address"],
  ["169.254.0.0", 16, "link-local address"],
  ["172.16.0.0", 12, "private address"],
  ["192.0.0.0", 24, "reserved (IETF protocol) address"],
  ["192.0.2.0", 24, "documentation address"],
  ["192.88.99.0", 24, "reserved (6to4 relay) address"],
  ["192.168.0.0", 16, "private address"],
  ["198.18.0.0", 15, "benchmarking address"],
  ["198.51.100.0", 24, "documentation address"],
  ["203.0.113.0", 24, "documentation address"],
  ["224.0.0.0", 4, "multicast address"],
  ["240.0.0.0", 4, "reserved address"],
];

function classifyIPv4Text(host: string): HostClass {
  const value = parseIPv4(host);
  if (value === null) return { kind: "ipv4", blockedReason: "invalid IPv4 address", normalized: host };
  return { kind: "ipv4", blockedReason: ipv4BlockedReason(value), normalized: formatIPv4(value) };
}

/** The reason an IPv4 address (as an unsigned 32-bit number) is refused, or null. */
function ipv4BlockedReason(value: number): string | null {
  if (value === 0xffffffff) return "broadcast address";
  for (const [base, prefix, reason] of IPV4_BLOCKED) {
    if (inPrefix(value, dottedToNumber(base), prefix)) return reason;
  }
  return null;
}

function inPrefix(value: number, base: number, prefix: number): boolean {
  const shift = 32 - prefix;
  return Math.floor(value / 2 ** shift) === Math.floor(base / 2 ** shift);
}

function dottedToNumber(dotted: string): number {
  return dotted.split(".").reduce((acc, part) => acc * 256 + Number(part), 0);
}

function formatIPv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}

/** WHATWG "ends in a number": such a host is an IPv4 address or nothing, never a DNS name. */
function endsInNumber(host: string): boolean {
  const last = host.slice(host.lastIndexOf(".") + 1);
  return /^[0-9]+$/.test(last) || /^0x[0-9a-f]*$/.test(last);
}

/** The WHATWG IPv4 parser: 1 to 4 parts, each decimal, 0x-hex or 0-octal. */
function parseIPv4(host: string): number | null {
  const parts = host.split(".");
  if (parts.length > 4) return null;
  const numbers = parts.map(parseIPv4Part);
  const last = numbers.pop();
  if (last === undefined || last === null) return null;
  let value = 0;
  for (const [index, part] of numbers.entries()) {
    if (part === null || part > 255) return null;
    value += part * 256 ** (3 - index);
  }
  if (last >= 256 ** (4 - numbers.length)) return null;
  return value + last;
}

function parseIPv4Part(part: string): number | null {
  if (/^0x[0-9a-f]*$/.test(part)) return part.length === 2 ? 0 : parseInt(part.slice(2), 16);
  if (/^0[0-7]+$/.test(part)) return parseInt(part.slice(1), 8);
  if (/^(0|[1-9][0-9]*)$/.test(part)) return Number(part);
  return null;
}

// ---------------------------------------------------------------------------------------------
// IPv6

type Groups = readonly number[];

function classifyIPv6Text(host: string): HostClass {
  const groups = parseIPv6(host);
  if (groups === null) return { kind: "ipv6", blockedReason: "invalid IPv6 address", normalized: host };
  return { kind: "ipv6", blockedReason: ipv6BlockedReason(groups), normalized: formatIPv6(groups) };
}

/** Eight 16-bit groups, or null. Accepts "::" compression and a trailing dotted IPv4. */
function parseIPv6(text: string): Groups | null {
  const dotted = splitEmbeddedIPv4(text);
  if (dotted === null) return null;
  const head = parseGroups(dotted.head, 8 - dotted.tail.length);
  return head === null ? null : [...head, ...dotted.tail];
}

/** "::ffff:1.2.3.4" → head "::ffff", tail [0x0102, 0x0304]. Only a strict dotted quad counts. */
function splitEmbeddedIPv4(text: string): { head: string; tail: number[] } | null {
  const lastColon = text.lastIndexOf(":");
  const last = text.slice(lastColon + 1);
  if (!last.includes(".")) return { head: text, tail: [] };
  if (!/^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$/.test(last)) {
    return null;
  }
  const value = dottedToNumber(last);
  const prefix = text.slice(0, lastColon + 1);
  const head = prefix.endsWith("::") ? prefix : prefix.slice(0, -1);
  return { head, tail: [Math.floor(value / 0x10000), value % 0x10000] };
}

function parseGroups(text: string, count: number): number[] | null {
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const left = splitGroups(halves[0] ?? "");
  const right = halves.length === 2 ? splitGroups(halves[1] ?? "") : [];
  if (left === null || right === null) return null;
  if (halves.length === 1) return left.length === count ? left : null;
  const missing = count - left.length - right.length;
  if (missing < 1) return null;
  return [...left, ...new Array<number>(missing).fill(0), ...right];
}

function splitGroups(text: string): number[] | null {
  if (text === "") return [];
  const groups: number[] = [];
  for (const group of text.split(":")) {
    if (!/^[0-9a-f]{1,4}$/.test(group)) return null;
    groups.push(parseInt(group, 16));
  }
  return groups;
}

/** RFC 5952: lower case, leading zeros dropped, the longest run (2+) of zero groups as "::". */
function formatIPv6(groups: Groups): string {
  const run = longestZeroRun(groups);
  const hex = groups.map((group) => group.toString(16));
  if (run.length < 2) return hex.join(":");
  const left = hex.slice(0, run.start).join(":");
  const right = hex.slice(run.start + run.length).join(":");
  return `${left}::${right}`;
}

function longestZeroRun(groups: Groups): { start: number; length: number } {
  let best = { start: 0, length: 0 };
  let start = -1;
  for (let i = 0; i <= groups.length; i++) {
    if (i < groups.length && groups[i] === 0) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      if (i - start > best.length) best = { start, length: i - start };
      start = -1;
    }
  }
  return best;
}

/** A range test and its verdict; the first range that matches decides (null verdict = public). */
type IPv6Rule = readonly [matches: (g: Groups) => boolean, verdict: (g: Groups) => string | null];

const first = (g: Groups): number => g[0] ?? 0;
const second = (g: Groups): number => g[1] ?? 0;
const refuse = (reason: string) => (): string => reason;

const IPV6_RULES: readonly IPv6Rule[] = [
  [(g) => isZero(g, 0, 8), refuse("unspecified address")],
  [(g) => isZero(g, 0, 7) && g[7] === 1, refuse("loopback address")],
  [(g) => isZero(g, 0, 5) && g[5] === 0xffff, (g) => `IPv4-mapped address (${embedded(g, 6)})`],
  [(g) => isZero(g, 0, 4) && g[4] === 0xffff && g[5] === 0, (g) => `IPv4-translated address (${embedded(g, 6)})`],
  [(g) => isZero(g, 0, 6), (g) => `IPv4-compatible address (${embedded(g, 6)})`],
  [(g) => first(g) === 0x64 && second(g) === 0xff9b && isZero(g, 2, 6), (g) => viaIPv4("NAT64", g, 6)],
  [(g) => first(g) === 0x64 && second(g) === 0xff9b && g[2] === 1, refuse("local-use NAT64 address")],
  [(g) => first(g) === 0x2002, (g) => viaIPv4("6to4", g, 1)],
  [(g) => first(g) === 0x2001 && second(g) === 0, refuse("Teredo address")],
  [(g) => first(g) === 0x2001 && second(g) === 0x0db8, refuse("documentation address")],
  [(g) => first(g) === 0x2001 && second(g) === 2 && g[2] === 0, refuse("benchmarking address")],
  [(g) => first(g) === 0x2001 && (second(g) & 0xfff0) === 0x10, refuse("reserved (ORCHID) address")],
  [(g) => first(g) === 0x3fff && (second(g) & 0xf000) === 0, refuse("documentation address")],
  [(g) => first(g) === 0x100 && isZero(g, 1, 4), refuse("discard-only address")],
  [(g) => (first(g) & 0xfe00) === 0xfc00, refuse("unique local address")],
  [(g) => (first(g) & 0xffc0) === 0xfe80, refuse("link-local address")],
  [(g) => (first(g) & 0xffc0) === 0xfec0, refuse("site-local address")],
  [(g) => (first(g) & 0xff00) === 0xff00, refuse("multicast address")],
  // Everything else outside global unicast 2000::/3 is reserved.
  [(g) => (first(g) & 0xe000) !== 0x2000, refuse("reserved address")],
];

function ipv6BlockedReason(groups: Groups): string | null {
  const rule = IPV6_RULES.find(([matches]) => matches(groups));
  return rule ? rule[1](groups) : null;
}

function isZero(groups: Groups, from: number, to: number): boolean {
  return groups.slice(from, to).every((group) => group === 0);
}

/** The IPv4 address held in groups[at] and groups[at + 1]. */
function embeddedValue(groups: Groups, at: number): number {
  return (groups[at] ?? 0) * 0x10000 + (groups[at + 1] ?? 0);
}

function embedded(groups: Groups, at: number): string {
  return formatIPv4(embeddedValue(groups, at));
}

/** Translation prefixes: refused when the IPv4 address they carry would be refused. */
function viaIPv4(label: string, groups: Groups, at: number): string | null {
  const reason = ipv4BlockedReason(embeddedValue(groups, at));
  return reason === null ? null : `${label} address embedding a ${reason} (${embedded(groups, at)})`;
}

// ---------------------------------------------------------------------------------------------
// Names

const LOCAL_NAMES = new Set(["localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"]);
const LOCAL_SUFFIXES = [".localhost", ".localdomain", ".local", ".internal", ".home.arpa"];

function classifyName(host: string): HostClass {
  return { kind: "name", blockedReason: nameBlockedReason(host), normalized: host };
}

function nameBlockedReason(host: string): string | null {
  if (host === "") return "empty host";
  if (host.split(".").includes("")) return "invalid name";
  if (LOCAL_NAMES.has(host) || LOCAL_SUFFIXES.some((suffix) => host.endsWith(suffix))) return "local name";
  if (!host.includes(".")) return "single-label name";
  return null;
}

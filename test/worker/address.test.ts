/** classifyHost: which fetch hosts are refused, for raw spellings and URL-parsed hostnames alike. */
import { describe, expect, it } from "vitest";
import { classifyHost, type HostKind } from "../../src/source/address";

type Case = readonly [host: string, kind: HostKind, normalized: string, reason: RegExp];

/** Refused: [host as given, kind, normalized form, reason]. */
const REFUSED: readonly Case[] = [
  // Loopback, and the IPv4 spellings a URL parser accepts for it.
  ["127.0.0.1", "ipv4", "127.0.0.1", /loopback/],
  ["127.255.255.254", "ipv4", "127.255.255.254", /loopback/],
  ["2130706433", "ipv4", "127.0.0.1", /loopback/],
  ["0x7f000001", "ipv4", "127.0.0.1", /loopback/],
  ["0X7F000001", "ipv4", "127.0.0.1", /loopback/],
  ["0x7f.0.0.1", "ipv4", "127.0.0.1", /loopback/],
  ["0x7f.1", "ipv4", "127.0.0.1", /loopback/],
  ["0177.0.0.1", "ipv4", "127.0.0.1", /loopback/],
  ["0177.0.0.01", "ipv4", "127.0.0.1", /loopback/],
  ["017700000001", "ipv4", "127.0.0.1", /loopback/],
  ["127.1", "ipv4", "127.0.0.1", /loopback/],
  ["127.0.1", "ipv4", "127.0.0.1", /loopback/],
  ["127.0.0.1.", "ipv4", "127.0.0.1", /loopback/],
  ["127.0.0.1..", "ipv4", "127.0.0.1", /loopback/],
  [" 127.0.0.1 ", "ipv4", "127.0.0.1", /loopback/],
  ["%31%32%37.0.0.1", "ipv4", "127.0.0.1", /loopback/],
  ["１２７.０.０.１", "ipv4", "127.0.0.1", /loopback/],
  ["127。0。0。1", "ipv4", "127.0.0.1", /loopback/],
  // This network, private, shared, link-local.
  ["0.0.0.0", "ipv4", "0.0.0.0", /this-network/],
  ["0", "ipv4", "0.0.0.0", /this-network/],
  ["0.1.2.3", "ipv4", "0.1.2.3", /this-network/],
  ["10.0.0.1", "ipv4", "10.0.0.1", /private/],
  ["10.1.2", "ipv4", "10.1.0.2", /private/],
  ["10.255.255.255", "ipv4", "10.255.255.255", /private/],
  ["167772161", "ipv4", "10.0.0.1", /private/],
  ["172.16.0.1", "ipv4", "172.16.0.1", /private/],
  ["172.31.255.255", "ipv4", "172.31.255.255", /private/],
  ["192.168.0.1", "ipv4", "192.168.0.1", /private/],
  ["0xc0.0xa8.1.1", "ipv4", "192.168.1.1", /private/],
  ["100.64.0.1", "ipv4", "100.64.0.1", /CGNAT/],
  ["100.127.255.255", "ipv4", "100.127.255.255", /CGNAT/],
  ["169.254.169.254", "ipv4", "169.254.169.254", /link-local/],
  ["169.254.0.1", "ipv4", "169.254.0.1", /link-local/],
  // Multicast, reserved, documentation, benchmarking.
  ["224.0.0.1", "ipv4", "224.0.0.1", /multicast/],
  ["239.255.255.250", "ipv4", "239.255.255.250", /multicast/],
  ["240.0.0.1", "ipv4", "240.0.0.1", /reserved/],
  ["254.1.2.3", "ipv4", "254.1.2.3", /reserved/],
  ["255.255.255.255", "ipv4", "255.255.255.255", /broadcast/],
  ["4294967295", "ipv4", "255.255.255.255", /broadcast/],
  ["192.0.0.1", "ipv4", "192.0.0.1", /reserved/],
  ["192.0.2.1", "ipv4", "192.0.2.1", /documentation/],
  ["192.88.99.1", "ipv4", "192.88.99.1", /6to4 relay/],
  ["198.18.0.1", "ipv4", "198.18.0.1", /benchmarking/],
  ["198.19.255.255", "ipv4", "198.19.255.255", /benchmarking/],
  ["198.51.100.1", "ipv4", "198.51.100.1", /documentation/],
  ["203.0.113.1", "ipv4", "203.0.113.1", /documentation/],
  // Ends in a number but is no IPv4 address: never sent to DNS.
  ["1.2.3.4.5", "ipv4", "1.2.3.4.5", /invalid IPv4/],
  ["256.0.0.1", "ipv4", "256.0.0.1", /invalid IPv4/],
  ["1.2.3.256", "ipv4", "1.2.3.256", /invalid IPv4/],
  ["4294967296", "ipv4", "4294967296", /invalid IPv4/],
  ["0x100000000", "ipv4", "0x100000000", /invalid IPv4/],
  ["09.0.0.1", "ipv4", "09.0.0.1", /invalid IPv4/],
  ["1.2.3.08", "ipv4", "1.2.3.08", /invalid IPv4/],
  ["example.123", "ipv4", "example.123", /invalid IPv4/],
  // IPv6 special ranges.
  ["::", "ipv6", "::", /unspecified/],
  ["[::]", "ipv6", "::", /unspecified/],
  ["[0:0:0:0:0:0:0:0]", "ipv6", "::", /unspecified/],
  ["::1", "ipv6", "::1", /loopback/],
  ["[::1]", "ipv6", "::1", /loopback/],
  ["[0000:0000:0000:0000:0000:0000:0000:0001]", "ipv6", "::1", /loopback/],
  ["[fe80::1]", "ipv6", "fe80::1", /link-local/],
  ["fe80::1%eth0", "ipv6", "fe80::1", /link-local/],
  ["[fe80::1%25eth0]", "ipv6", "fe80::1", /link-local/],
  ["[febf:ffff::1]", "ipv6", "febf:ffff::1", /link-local/],
  ["[fc00::1]", "ipv6", "fc00::1", /unique local/],
  ["[fdff:ffff::1]", "ipv6", "fdff:ffff::1", /unique local/],
  ["[FD12:3456:789A::1]", "ipv6", "fd12:3456:789a::1", /unique local/],
  ["[fec0::1]", "ipv6", "fec0::1", /site-local/],
  ["[feff::1]", "ipv6", "feff::1", /site-local/],
  ["[ff02::1]", "ipv6", "ff02::1", /multicast/],
  ["[ff0e::101]", "ipv6", "ff0e::101", /multicast/],
  ["[2001:db8::1]", "ipv6", "2001:db8::1", /documentation/],
  ["[2001:db8:ffff:ffff:ffff:ffff:ffff:ffff]", "ipv6", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", /documentation/],
  ["[3fff::1]", "ipv6", "3fff::1", /documentation/],
  ["[100::1]", "ipv6", "100::1", /discard/],
  ["[100::ffff:ffff:ffff:ffff]", "ipv6", "100::ffff:ffff:ffff:ffff", /discard/],
  ["[2001:2::1]", "ipv6", "2001:2::1", /benchmarking/],
  ["[2001:10::1]", "ipv6", "2001:10::1", /ORCHID/],
  // IPv6 forms that carry an IPv4 address.
  ["[::ffff:127.0.0.1]", "ipv6", "::ffff:7f00:1", /IPv4-mapped.*127\.0\.0\.1/],
  ["[::ffff:7f00:1]", "ipv6", "::ffff:7f00:1", /IPv4-mapped/],
  ["[0:0:0:0:0:ffff:7f00:1]", "ipv6", "::ffff:7f00:1", /IPv4-mapped/],
  ["[::FFFF:10.0.0.1]", "ipv6", "::ffff:a00:1", /IPv4-mapped/],
  ["[::ffff:8.8.8.8]", "ipv6", "::ffff:808:808", /IPv4-mapped/],
  ["[::ffff:0:127.0.0.1]", "ipv6", "::ffff:0:7f00:1", /IPv4-translated/],
  ["[::127.0.0.1]", "ipv6", "::7f00:1", /IPv4-compatible/],
  ["[::7f00:1]", "ipv6", "::7f00:1", /IPv4-compatible/],
  ["[::8.8.8.8]", "ipv6", "::808:808", /IPv4-compatible/],
  ["[2002:7f00:1::]", "ipv6", "2002:7f00:1::", /6to4.*loopback.*127\.0\.0\.1/],
  ["[2002:a00:1::1]", "ipv6", "2002:a00:1::1", /6to4.*private/],
  ["[2002:c0a8:101::]", "ipv6", "2002:c0a8:101::", /6to4.*private.*192\.168\.1\.1/],
  ["[2002:a9fe:a9fe::]", "ipv6", "2002:a9fe:a9fe::", /6to4.*link-local/],
  ["[64:ff9b::127.0.0.1]", "ipv6", "64:ff9b::7f00:1", /NAT64.*loopback/],
  ["[64:ff9b::10.0.0.1]", "ipv6", "64:ff9b::a00:1", /NAT64.*private/],
  ["[64:ff9b::a9fe:a9fe]", "ipv6", "64:ff9b::a9fe:a9fe", /NAT64.*link-local/],
  ["[64:ff9b:1::a00:1]", "ipv6", "64:ff9b:1::a00:1", /local-use NAT64/],
  ["[64:ff9b:1:ffff::8.8.8.8]", "ipv6", "64:ff9b:1:ffff::808:808", /local-use NAT64/],
  ["[2001::1]", "ipv6", "2001::1", /Teredo/],
  ["[2001:0:4136:e378:8000:63bf:3fff:fdd2]", "ipv6", "2001:0:4136:e378:8000:63bf:3fff:fdd2", /Teredo/],
  // Outside global unicast 2000::/3.
  ["[4000::1]", "ipv6", "4000::1", /reserved/],
  ["[5f00::1]", "ipv6", "5f00::1", /reserved/],
  ["[1::1]", "ipv6", "1::1", /reserved/],
  // Malformed IPv6 (and host:port, which is not a host).
  ["[1::2::3]", "ipv6", "1::2::3", /invalid IPv6/],
  ["[::ffff:1.2.3]", "ipv6", "::ffff:1.2.3", /invalid IPv6/],
  ["[::ffff:1.2.3.256]", "ipv6", "::ffff:1.2.3.256", /invalid IPv6/],
  ["[1:2:3:4:5:6:7:8:9]", "ipv6", "1:2:3:4:5:6:7:8:9", /invalid IPv6/],
  ["[1:2:3:4:5:6:7::8]", "ipv6", "1:2:3:4:5:6:7::8", /invalid IPv6/],
  ["[12345::]", "ipv6", "12345::", /invalid IPv6/],
  ["[]", "ipv6", "", /invalid IPv6/],
  ["127.0.0.1:80", "ipv6", "127.0.0.1:80", /invalid IPv6/],
  // Local names.
  ["localhost", "name", "localhost", /local name/],
  ["LOCALHOST", "name", "localhost", /local name/],
  ["localhost.", "name", "localhost", /local name/],
  ["ｌｏｃａｌｈｏｓｔ", "name", "localhost", /local name/],
  ["foo.localhost", "name", "foo.localhost", /local name/],
  ["a.b.localhost.", "name", "a.b.localhost", /local name/],
  ["localhost.localdomain", "name", "localhost.localdomain", /local name/],
  ["db.localdomain", "name", "db.localdomain", /local name/],
  ["ip6-localhost", "name", "ip6-localhost", /local name/],
  ["ip6-loopback", "name", "ip6-loopback", /local name/],
  ["printer.local", "name", "printer.local", /local name/],
  ["metadata.google.internal", "name", "metadata.google.internal", /local name/],
  ["app.internal.", "name", "app.internal", /local name/],
  ["nas.home.arpa", "name", "nas.home.arpa", /local name/],
  ["intranet", "name", "intranet", /single-label/],
  ["metadata", "name", "metadata", /single-label/],
  ["a..b.com", "name", "a..b.com", /invalid name/],
  [".example.com", "name", ".example.com", /invalid name/],
  ["", "name", "", /empty/],
  ["   ", "name", "", /empty/],
];

/** Public: [host, kind, normalized]. */
const PUBLIC: readonly (readonly [host: string, kind: HostKind, normalized: string])[] = [
  ["8.8.8.8", "ipv4", "8.8.8.8"],
  ["1.1.1.1", "ipv4", "1.1.1.1"],
  ["134744072", "ipv4", "8.8.8.8"],
  ["0x8.0x8.0x8.0x8", "ipv4", "8.8.8.8"],
  ["93.184.216.34", "ipv4", "93.184.216.34"],
  ["172.15.255.255", "ipv4", "172.15.255.255"],
  ["172.32.0.1", "ipv4", "172.32.0.1"],
  ["100.63.255.255", "ipv4", "100.63.255.255"],
  ["100.128.0.1", "ipv4", "100.128.0.1"],
  ["169.253.255.255", "ipv4", "169.253.255.255"],
  ["169.255.0.1", "ipv4", "169.255.0.1"],
  ["192.0.1.1", "ipv4", "192.0.1.1"],
  ["192.0.3.1", "ipv4", "192.0.3.1"],
  ["192.167.255.255", "ipv4", "192.167.255.255"],
  ["192.169.0.1", "ipv4", "192.169.0.1"],
  ["198.17.255.255", "ipv4", "198.17.255.255"],
  ["198.20.0.1", "ipv4", "198.20.0.1"],
  ["198.51.101.1", "ipv4", "198.51.101.1"],
  ["203.0.114.1", "ipv4", "203.0.114.1"],
  ["223.255.255.255", "ipv4", "223.255.255.255"],
  ["11.0.0.1", "ipv4", "11.0.0.1"],
  ["126.255.255.255", "ipv4", "126.255.255.255"],
  ["128.0.0.1", "ipv4", "128.0.0.1"],
  ["1.0.0.0", "ipv4", "1.0.0.0"],
  ["[2606:4700:4700::1111]", "ipv6", "2606:4700:4700::1111"],
  ["2606:4700::1111", "ipv6", "2606:4700::1111"],
  ["[2001:4860:4860::8888]", "ipv6", "2001:4860:4860::8888"],
  ["[2001:1::1]", "ipv6", "2001:1::1"],
  ["[2001:db9::1]", "ipv6", "2001:db9::1"],
  ["[2003::1]", "ipv6", "2003::1"],
  ["[3ffe::1]", "ipv6", "3ffe::1"],
  ["[3fff:1000::1]", "ipv6", "3fff:1000::1"],
  ["[2002:808:808::1]", "ipv6", "2002:808:808::1"],
  ["[64:ff9b::8.8.8.8]", "ipv6", "64:ff9b::808:808"],
  ["[64:ff9b::808:808]", "ipv6", "64:ff9b::808:808"],
  ["[2a00:1450:4001:0:0:0:0:200e]", "ipv6", "2a00:1450:4001::200e"],
  ["[2001:0db9:0:0:1:0:0:1]", "ipv6", "2001:db9::1:0:0:1"],
  ["example.com", "name", "example.com"],
  ["EXAMPLE.COM.", "name", "example.com"],
  ["images.example.co.uk", "name", "images.example.co.uk"],
  ["localhost.example.com", "name", "localhost.example.com"],
  ["local.example.com", "name", "local.example.com"],
  ["internal.example.com", "name", "internal.example.com"],
  ["x.y", "name", "x.y"],
  ["xn--nxasmq6b.com", "name", "xn--nxasmq6b.com"],
  ["a_b.example.com", "name", "a_b.example.com"],
  ["1.2.3.4.example.com", "name", "1.2.3.4.example.com"],
  ["0x7f.example.com", "name", "0x7f.example.com"],
];

describe("classifyHost", () => {
  it.each(REFUSED)("refuses %j", (host, kind, normalized, reason) => {
    const result = classifyHost(host);
    expect(result.kind).toBe(kind);
    expect(result.normalized).toBe(normalized);
    expect(result.blockedReason).toMatch(reason);
  });

  it.each(PUBLIC)("allows %j", (host, kind, normalized) => {
    expect(classifyHost(host)).toEqual({ kind, blockedReason: null, normalized });
  });

  it("gives the raw spelling and the URL parser's hostname the same answer", () => {
    const spellings = [
      "2130706433", "0x7f000001", "0x7f.0.0.1", "0177.0.0.1", "017700000001", "127.1", "10.1.2", "127.0.0.1.",
      "127.0.0.1..", "0x.0.0.1", "%31%32%37.0.0.1", "127。0。0。1", "[::ffff:127.0.0.1]", "[::127.0.0.1]",
      "[64:ff9b::10.0.0.1]", "[2002:7f00:1::]", "LOCALHOST", "localhost.", "ｌｏｃａｌｈｏｓｔ", "8.8.8.8", "134744072",
      "[2606:4700::1111]", "EXAMPLE.COM",
    ];
    for (const raw of spellings) {
      const parsed = new URL(`http://${raw}/`).hostname;
      const fromRaw = classifyHost(raw);
      const fromParsed = classifyHost(parsed);
      expect(fromParsed.blockedReason === null, `${raw} vs ${parsed}`).toBe(fromRaw.blockedReason === null);
      if (fromRaw.kind !== "name") expect(fromParsed.normalized, raw).toBe(fromRaw.normalized);
    }
  });

  it("normalizes IPv6 to RFC 5952 form", () => {
    expect(classifyHost("[2001:0db8:0000:0000:0001:0000:0000:0001]").normalized).toBe("2001:db8::1:0:0:1");
    expect(classifyHost("[2606:4700:0:0:0:0:0:1111]").normalized).toBe("2606:4700::1111");
    expect(classifyHost("[2606:4700:0:1:0:0:0:1111]").normalized).toBe("2606:4700:0:1::1111");
    expect(classifyHost("[2606:4700:1:2:3:4:5:6]").normalized).toBe("2606:4700:1:2:3:4:5:6");
    expect(classifyHost("[2606:4700:1:0:3:4:5:6]").normalized).toBe("2606:4700:1:0:3:4:5:6");
  });
});

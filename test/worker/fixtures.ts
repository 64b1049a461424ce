/** The committed fixtures (test/fixtures), as bytes. */
import { inject } from "vitest";

let cache: Record<string, string> | undefined;

export function fixture(name: string): Uint8Array {
  cache ??= inject("fixtures");
  const b64 = cache[name];
  if (b64 === undefined) throw new Error(`no fixture ${name}`);
  return Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
}

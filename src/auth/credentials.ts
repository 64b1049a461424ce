/**
 * Extracts the API key from the Authorization header: HTTP Basic with the key as user name and an
 * empty password (`curl -u KEY:`), or `Bearer KEY`. Returns null when no credentials were sent.
 */
import { ApiError } from "../errors";

const KEY_PATTERN = /^[\x21-\x7e]{8,200}$/;

export function malformed(): ApiError {
  return new ApiError(401, "Malformed credentials: use HTTP Basic with the API key as user name, or 'Authorization: Bearer <key>'.");
}

function decodeBasic(token: string): string {
  let decoded: string;
  try {
    decoded = atob(token);
  } catch {
    throw malformed();
  }
  const colon = decoded.indexOf(":");
  // The password is ignored; every official client sends it empty.
  return colon === -1 ? decoded : decoded.slice(0, colon);
}

export function keyFromAuthorization(header: string | null | undefined): string | null {
  if (header === null || header === undefined || header.trim() === "") return null;
  const match = /^\s*(\S+)\s+(\S+)\s*$/.exec(header);
  if (!match) throw malformed();
  const scheme = match[1]!.toLowerCase();
  const token = match[2]!;
  let key: string;
  if (scheme === "basic") key = decodeBasic(token);
  else if (scheme === "bearer") key = token;
  else throw malformed();
  if (!KEY_PATTERN.test(key)) throw malformed();
  return key;
}

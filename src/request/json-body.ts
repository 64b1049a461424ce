import type { AppContext } from "../context";
import { badRequest } from "../errors";

/** Reads the request body as a JSON object; anything else is a 400. */
export async function readJsonObject(c: AppContext): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await c.req.text();
  } catch {
    throw badRequest("Unable to read the request body.");
  }
  if (text.trim() === "") throw badRequest("The request body must be a JSON object.");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw badRequest("The request body is not valid JSON.");
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw badRequest("The request body must be a JSON object.");
  }
  return value as Record<string, unknown>;
}

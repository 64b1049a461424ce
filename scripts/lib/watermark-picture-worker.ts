/**
 * A Worker for scripts/docs-pictures.mjs: the API's own processImage with a watermark taken from
 * the request rather than from an account's storage. POST a multipart body with parts `file` (the
 * image), `watermark` (the watermark image) and `data` (the request document, whose `watermark.id`
 * is then ignored); the answer is the output bytes with its facts in X-Bench-Output.
 */
import { settings, type Env } from "../../src/config";
import { toApiError } from "../../src/errors";
import { processImage } from "../../src/image/process";
import { decodeWatermark, inspectWatermark } from "../../src/image/watermark-source";
import { parseDocument } from "../../src/request/document";
import { boundaryOf, parseMultipart, type Part } from "../../src/source/multipart";

function part(parts: Part[], name: string): Uint8Array {
  const found = parts.find((p) => p.name === name);
  if (!found) throw new Error(`missing part '${name}'`);
  return found.body;
}

async function render(request: Request, env: Env): Promise<Response> {
  const parts = parseMultipart(new Uint8Array(await request.arrayBuffer()), boundaryOf(request.headers.get("Content-Type")));
  const plan = parseDocument(JSON.parse(new TextDecoder().decode(part(parts, "data"))), "upload");
  if (plan.watermark) {
    const bytes = part(parts, "watermark");
    const { width, height } = inspectWatermark(bytes, settings(env).maxInputPixels);
    plan.watermark.image = { width, height, raster: () => decodeWatermark(bytes) };
  }
  const result = await processImage({ bytes: part(parts, "file"), name: "docs" }, plan, settings(env), "docs");
  return new Response(result.bytes, { headers: { "X-Bench-Output": JSON.stringify(result.output) } });
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    try {
      return await render(request, env);
    } catch (err) {
      const failure = toApiError(err);
      return new Response(err instanceof Error ? err.message : failure.message, { status: failure.status });
    }
  },
} satisfies ExportedHandler<Env>;

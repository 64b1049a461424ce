/**
 * POST /process with the input image as the body and the request document (JSON) in the
 * X-Bench-Plan header: runs the API's own processImage in workerd and answers with the output
 * bytes and the time the processing took (X-Bench-Ms; Date.now advances during work in local
 * workerd, unlike in production).
 */
import { settings, type Env } from "../src/config";
import { processImage } from "../src/image/process";
import { parseDocument } from "../src/request/document";
import { toApiError } from "../src/errors";

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    try {
      const input = new Uint8Array(await request.arrayBuffer());
      const plan = parseDocument(JSON.parse(request.headers.get("X-Bench-Plan") ?? "{}"), "upload");
      const started = Date.now();
      const result = await processImage({ bytes: input, name: "bench" }, plan, settings(env), "bench");
      const ms = Date.now() - started;
      return new Response(result.bytes, { headers: { "X-Bench-Ms": String(ms), "X-Bench-Output": JSON.stringify(result.output) } });
    } catch (err) {
      const failure = toApiError(err);
      return new Response(failure.message, { status: failure.status });
    }
  },
} satisfies ExportedHandler<Env>;

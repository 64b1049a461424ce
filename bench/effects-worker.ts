/**
 * The effects benchmark's Worker (bench/effects.mjs): POST /effects with a JPEG or PNG as the body
 * and a list of `{name, document}` in the X-Effects header (each document holds `auto`, `adjust`
 * and/or `filter`/`stylize`). Decodes the image once, then times each document's steps alone
 * (no decode or encode) in workerd: one warm-up, then `runs` timed calls. Answers
 * `[{name, ms: [...]}]`. Date.now advances during work in local workerd (not in production).
 */
import { adjust } from "../src/image/steps/adjust";
import { autoEnhance } from "../src/image/steps/auto";
import { filter } from "../src/image/steps/filter";
import { probe } from "../src/image/probe";
import type { Raster } from "../src/image/raster";
import { decode } from "../src/image/transcode";
import { parseAdjust } from "../src/request/adjust";
import { parseAuto } from "../src/request/auto";
import { parseFilter } from "../src/request/filter";

interface Effect {
  name: string;
  document: Record<string, unknown>;
}

function runEffect(image: Raster, document: Record<string, unknown>): Raster {
  let out = image;
  const auto = parseAuto(document.auto);
  const adjustPlan = parseAdjust(document.adjust);
  const filterPlan = parseFilter(document.filter, document.stylize);
  if (auto) out = autoEnhance(out);
  if (adjustPlan) out = adjust(out, adjustPlan);
  if (filterPlan) out = filter(out, filterPlan);
  return out;
}

export default {
  async fetch(request: Request): Promise<Response> {
    const bytes = new Uint8Array(await request.arrayBuffer());
    const effects = JSON.parse(request.headers.get("X-Effects") ?? "[]") as Effect[];
    const runs = Number(request.headers.get("X-Runs") ?? 5);
    const image = await decode(bytes, probe(bytes).format);
    const results = effects.map(({ name, document }) => {
      runEffect(image, document);
      const ms: number[] = [];
      for (let i = 0; i < runs; i++) {
        const started = Date.now();
        runEffect(image, document);
        ms.push(Date.now() - started);
      }
      return { name, ms };
    });
    return Response.json({ width: image.width, height: image.height, results });
  },
} satisfies ExportedHandler;

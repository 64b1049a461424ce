/**
 * Runs in Node before the workerd tests: hands the committed fixtures to the tests (workerd has no
 * file system), as base64 through Vitest's provide/inject.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    fixtures: Record<string, string>;
  }
}

export default function setup(project: TestProject): void {
  const dir = join(import.meta.dirname, "fixtures");
  const fixtures: Record<string, string> = {};
  for (const name of readdirSync(dir)) {
    if (name.endsWith(".md")) continue;
    fixtures[name] = readFileSync(join(dir, name)).toString("base64");
  }
  project.provide("fixtures", fixtures);
}

/**
 * Runs in Node before the workerd tests: starts the local origin server (test/origin-server.ts)
 * that the fetch-source tests download from, hands its ports to them through provide/inject,
 * and stops it afterwards. workerd's fetch() reaches 127.0.0.1 directly; no outbound config needed.
 */
import type { TestProject } from "vitest/node";
import { startOrigin } from "./origin-server";


declare module "vitest" {
  export interface ProvidedContext {
    origin: { port: number; otherPort: number; closedPort: number };
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // The port vitest.config.ts chose and allowed as the Worker's one private source.
  const origin = await startOrigin(Number(process.env.TEST_ORIGIN_PORT) || 0);
  project.provide("origin", { port: origin.port, otherPort: origin.otherPort, closedPort: origin.closedPort });
  return () => origin.close();
}

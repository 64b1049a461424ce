import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { createServer } from "node:net";
import { defineConfig } from "vitest/config";

/** A free loopback port for the local test origin (test/origin-server.ts). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

export default defineConfig(async () => {
  // test/origin-setup.ts starts the origin on this port; the Worker under test allows exactly this
  // private source, so /1.0/fetch is tested over HTTP while every other private address is refused.
  const originPort = Number(process.env.TEST_ORIGIN_PORT) || (await freePort());
  process.env.TEST_ORIGIN_PORT = String(originPort);
  return {
    test: {
      projects: [
        {
          // Unit and integration tests inside workerd, against real (local) R2, KV, Durable Objects.
          plugins: [
            cloudflareTest({
              wrangler: { configPath: "./wrangler.toml" },
              miniflare: { bindings: { PRIVATE_SOURCE_ALLOWLIST: `127.0.0.1:${originPort}` } },
            }),
          ],
          test: {
            name: "worker",
            include: ["test/worker/**/*.test.ts"],
            globalSetup: ["test/global-setup.ts", "test/origin-setup.ts", "test/sharp-setup.ts", "test/icc-setup.ts", "test/s2-setup.ts"],
            testTimeout: 60_000,
          },
        },
        {
          // End to end over HTTP against `wrangler dev`, started by the test itself.
          test: { name: "e2e", include: ["test/e2e/**/*.test.ts"], environment: "node", testTimeout: 180_000, hookTimeout: 180_000 },
        },
      ],
    },
  };
});

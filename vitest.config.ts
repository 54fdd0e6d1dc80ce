// One set of spec files, two projects: Node and real headless Chromium (Debian's package,
// never a downloaded browser). scripts/test.mjs makes sure /usr/bin/chromium exists first.
import { playwright } from "@vitest/browser-playwright";
import { defineConfig } from "vitest/config";
import type { BrowserCommand } from "vitest/node";

const chromium = process.env.ROVI_CHROMIUM ?? "/usr/bin/chromium";

/** A run of test/reproducibility.ts in this (Node) process, for the browser spec to compare with. */
const runInNode: BrowserCommand<[name: string, backend: "wasm" | "js"]> = async ({ project }, name, backend) => {
  const { runs } = await project.vite.ssrLoadModule("/test/reproducibility.ts");
  return runs[name](backend);
};

export default defineConfig({
  test: {
    testTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: { name: "node", environment: "node", include: ["test/**/*.test.ts"], exclude: ["test/**/*.browser.test.ts"] },
      },
      {
        extends: true,
        test: {
          name: "chromium",
          include: ["test/**/*.test.ts"],
          exclude: ["test/**/*.node.test.ts"],
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            commands: { runInNode },
            provider: playwright({
              launchOptions: {
                executablePath: chromium,
                args: [
                  "--no-sandbox",
                  "--disable-gpu",
                  "--disable-background-networking",
                  "--disable-component-update",
                  "--disable-quic",
                  "--no-first-run",
                  "--disable-sync",
                ],
              },
            }),
            instances: [{ browser: "chromium" }],
          },
        },
      },
    ],
  },
});

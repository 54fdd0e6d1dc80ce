// One set of spec files, two projects: Node and real headless Chromium (Debian's package,
// never a downloaded browser). scripts/test.mjs makes sure /usr/bin/chromium exists first.
import { playwright } from "@vitest/browser-playwright";
import { defineConfig } from "vitest/config";

const chromium = process.env.ROVI_CHROMIUM ?? "/usr/bin/chromium";

export default defineConfig({
  test: {
    testTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: { name: "node", environment: "node", include: ["test/**/*.test.ts"] },
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

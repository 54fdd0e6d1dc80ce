// Same seed, same backend, same bits in the browser and in Node: each run of
// test/reproducibility.ts is computed here, in Chromium, and in the Vitest Node process (the
// `runInNode` browser command of vitest.config.ts), and the two must agree bit for bit.
import { beforeAll, expect, test } from "vitest";
import { commands } from "vitest/browser";
import { ready } from "../src/index.js";
import { runs } from "./reproducibility.js";

declare module "vitest/browser" {
  interface BrowserCommands {
    runInNode: (name: string, backend: "wasm" | "js") => Promise<string>;
  }
}

beforeAll(async () => {
  await ready("wasm");
});

test.each(Object.keys(runs).flatMap((name) => (["wasm", "js"] as const).map((backend) => [name, backend] as const)))(
  "%s on %s: Chromium and Node give the same bits",
  async (name, backend) => {
    const here = await runs[name](backend);
    const there = await commands.runInNode(name, backend);
    expect(here.length).toBeGreaterThan(0);
    expect(here).toBe(there);
  },
);

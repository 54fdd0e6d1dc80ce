// runToEnd's turns for the event loop (src/core/driver.ts): a fit gives other tasks their turn
// while it runs, and it takes those turns as tasks of their own, not as setTimeout(0), which
// browsers clamp to at least 4 ms once timeouts nest five deep (as a fit's turns do).
import { afterEach, expect, test, vi } from "vitest";
import { gaussianMixture, ready, rovi } from "../src/index.js";
import { nextTask } from "../src/core/driver.js";

await ready("wasm");

afterEach(() => {
  vi.restoreAllMocks();
});

test("nextTask resolves after the microtasks queued before it, on a task of its own", async () => {
  const order: string[] = [];
  const turn = nextTask().then(() => order.push("task"));
  void Promise.resolve().then(() => order.push("microtask"));
  await turn;
  expect(order).toEqual(["microtask", "task"]);
});

test("a fit lets other tasks run while it runs, and waits on no setTimeout(0) for it", async () => {
  const d = 10;
  const u = Array.from({ length: d }, (_, i) => (i % 2 ? 1 : -1) / Math.sqrt(d));
  const target = gaussianMixture({ weights: [0.5, 0.5], means: [u.map((x) => -3 * x), u.map((x) => 3 * x)], covariances: [1, 1] });
  const timeouts = vi.spyOn(globalThis, "setTimeout");
  let done = false;
  let turns = 0;
  // another task loop, alongside the fit: it advances only when the fit yields
  const other = (async () => {
    while (!done) {
      await nextTask();
      turns++;
    }
  })();
  const q = await rovi(target, { rotationInit: "identity", explore: false });
  done = true;
  await other;
  expect(q.converged).toBe(true);
  // the fit takes over 100 ms on either backend: it yielded every 8 ms
  expect(turns).toBeGreaterThan(3);
  expect(timeouts.mock.calls.filter(([, ms]) => !ms)).toEqual([]);
});

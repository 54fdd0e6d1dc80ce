import { expect, test } from "vitest";
import { getBackend } from "../src/backend.js";
test("smoke", async () => {
  for (const name of ["wasm", "js"] as const) {
    const b = await getBackend(name);
    const s = b.i32(8);
    b.kernels.seedStreams(s.handle, 42, 0, 2);
    const out = b.f64(7);
    b.kernels.fillNormal(s.handle, 0, out.handle, 0, 7);
    console.log(name, Array.from(s.view), Array.from(out.view), b.kernels.exp(1), b.kernels.log(10), b.kernels.exp(-744), b.kernels.log(5e-324));
  }
});

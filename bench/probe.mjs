import { getBackend } from "../dist/backend.js";
for (const name of ["wasm", "js"]) {
  const b = await getBackend(name);
  let s = 0; const t0 = performance.now();
  for (let i = 0; i < 5e6; i++) s += b.kernels.exp(-i * 1e-6);
  const t1 = performance.now();
  for (let i = 0; i < 5e6; i++) s += b.kernels.log(1 + i * 1e-6);
  const t2 = performance.now();
  console.log(name, "exp ns", ((t1 - t0) / 5e6 * 1e6).toFixed(1), "log ns", ((t2 - t1) / 5e6 * 1e6).toFixed(1), s);
}

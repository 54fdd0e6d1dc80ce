// The browser side of the package test: runs the README's first example (its console lines are
// collected) and the seeded fit of bits.js on both backends, and leaves the result on window.
import { fitBits } from "./bits.js";

const lines = [];
const log = console.log;
console.log = (...args) => {
  lines.push(args.join(" "));
  log(...args);
};
try {
  await import("./readme-example.mjs");
  window.roviResult = { lines, bits: { wasm: await fitBits("wasm"), js: await fitBits("js") } };
} catch (e) {
  window.roviResult = { error: String(e && e.stack ? e.stack : e) };
}

// The explorer page: `npm run demo` serves it, `npm run demo:build` writes static files with
// relative paths (out/demo/, deployable to any static host). It uses the built package (dist/).
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  root: here,
  base: "./",
  // module workers: the worker entry uses top-level await and a dynamic import
  worker: { format: "es" },
  build: { outDir: fileURLToPath(new URL("../out/demo", import.meta.url)), emptyOutDir: true, target: "es2022" },
  server: { fs: { allow: [fileURLToPath(new URL("..", import.meta.url))] } },
});

// What the package costs: browser bundles of the whole API, of `svd` alone and of `mfvi` alone
// (esbuild, minified, gzipped at level 9), the two kernel backends inside them, and the npm
// tarball. Prints a markdown table (the README's). Needs a build (`npm run build`).
// Usage: node scripts/size.mjs
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const kB = (bytes) => `${(bytes / 1000).toFixed(1)} kB`;

async function bundle(contents) {
  const result = await build({
    stdin: { contents, resolveDir: root, loader: "js" },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    logLevel: "error",
  });
  const code = result.outputFiles[0].contents;
  return { raw: code.length, gzip: gzipSync(code, { level: 9 }).length };
}

const cases = [
  ["`import * from 'rovi'` (everything)", 'export * from "./dist/index.js";'],
  ["`import { svd } from 'rovi'`", 'export { svd } from "./dist/index.js";'],
  ["`import { mfvi } from 'rovi'`", 'export { mfvi } from "./dist/index.js";'],
  ["of which: the WASM module (base64)", 'export * from "./dist/generated/wasm-bytes.js";'],
  ["of which: the pure-JS kernels", 'export * from "./dist/generated/portable/index.js";'],
];
console.log("| bundle (esbuild, minified) | size | gzipped |\n|---|---|---|");
for (const [name, contents] of cases) {
  const { raw, gzip } = await bundle(contents);
  console.log(`| ${name} | ${kB(raw)} | ${kB(gzip)} |`);
}
const [pack] = JSON.parse(execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: root, encoding: "utf8" }));
const figures = pack.files.filter((f) => f.path.startsWith("docs/figures/")).reduce((s, f) => s + f.size, 0);
console.log(
  `\nnpm package: ${kB(pack.size)} packed, ${kB(pack.unpackedSize)} unpacked in ${pack.entryCount} files ` +
    `(of which the README's figures ${kB(figures)}).`,
);

// `npm run bench`: runs every suite in bench/suites/ (or those named on the command line)
// against the built package in dist/, writes bench/results/<suite>.json and a summary table
// (bench/results/summary.md, also printed). Timings are noisy on a shared 2-core machine:
// read the ratios within one run, not the absolute numbers across runs.
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(join(here, "suites"))
  .filter((f) => f.endsWith(".mjs"))
  .filter((f) => only.length === 0 || only.includes(f.replace(/\.mjs$/, "")))
  .sort();

for (const file of files) {
  const suite = await import(pathToFileURL(join(here, "suites", file)).href);
  console.log(`\n## ${file}`);
  const results = await suite.default();
  writeFileSync(join(here, "results", file.replace(/\.mjs$/, ".json")), JSON.stringify(results, null, 2) + "\n");
}

// The summary covers the latest results of every suite (this run's and earlier ones').
const rows = [];
for (const file of readdirSync(join(here, "results")).filter((f) => f.endsWith(".json")).sort()) {
  const results = JSON.parse(readFileSync(join(here, "results", file), "utf8"));
  for (const row of results) rows.push({ suite: file.replace(/\.json$/, ""), ...row });
}

const fmt = (x, digits = 3) => (x === undefined ? "" : Number(x.toPrecision(digits)).toString());
const lines = [
  "| suite | case | wasm (ms) | js (ms) | js / wasm | other (ms) | other / wasm | goal |",
  "|---|---|---|---|---|---|---|---|",
  ...rows.map(
    (r) =>
      `| ${r.suite} | ${r.case} | ${fmt(r.wasmMs)} | ${fmt(r.jsMs)} | ${r.jsMs ? fmt(r.jsMs / r.wasmMs, 2) + "x" : ""} | ` +
      `${r.otherMs ? `${fmt(r.otherMs)} (${r.other})` : ""} | ${r.otherMs ? fmt(r.otherMs / r.wasmMs, 2) + "x" : ""} | ${r.goal ?? ""} |`,
  ),
];
const table = lines.join("\n");
writeFileSync(join(here, "results", "summary.md"), `# Benchmark summary (${new Date().toISOString()})\n\n${table}\n`);
console.log("\n" + table);

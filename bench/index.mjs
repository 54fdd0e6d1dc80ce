// `npm run bench`: runs the suites of bench/suites/ (or those named on the command line) against
// the built package in dist/, writes bench/results/<suite>.json and BENCHMARKS.md at the
// repository root (the goals, then every suite's table). Benchmarks are programs, not tests:
// timings on a shared machine are noisy, so read the ratios (interleaved, per round; see
// bench/harness.mjs), not absolute times across runs. Each suite runs in a process of its own:
// in one process a suite ran in the heap and JIT state the suites before it left (ml-matrix's
// SVD took 4.6-5.0 ms at 50 x 50 after the RoVI suite, 3.7-4.6 ms alone).
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync, writeFileSync, existsSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const self = fileURLToPath(import.meta.url);

if (process.argv[2] === "--suite") {
  // the child: one suite, its results to bench/results/<suite>.json
  const name = process.argv[3];
  const suite = await import(pathToFileURL(join(here, "suites", `${name}.mjs`)).href);
  const result = { ...(await suite.default()), when: new Date().toISOString() };
  writeFileSync(join(here, "results", `${name}.json`), JSON.stringify(result, null, 2) + "\n");
  process.exit(0);
}

const only = process.argv.slice(2);
const suites = readdirSync(join(here, "suites"))
  .filter((f) => f.endsWith(".mjs"))
  .map((f) => f.replace(/\.mjs$/, ""))
  .sort();
const unknown = only.filter((s) => !suites.includes(s));
if (unknown.length > 0) throw new Error(`bench: no suite named ${unknown.join(", ")} (suites: ${suites.join(", ")})`);

for (const name of suites.filter((s) => only.length === 0 || only.includes(s))) {
  console.log(`\n## ${name}`);
  execFileSync(process.execPath, [self, "--suite", name], { stdio: "inherit" });
}

// BENCHMARKS.md covers the latest results of every suite (this run's and earlier ones').
const fmt = (x) => (typeof x === "number" ? Number(x.toPrecision(3)).toString() : x);
const results = suites.filter((s) => existsSync(join(here, "results", `${s}.json`))).map((s) => JSON.parse(readFileSync(join(here, "results", `${s}.json`), "utf8")));
const table = (columns, rows) => [`| ${columns.join(" | ")} |`, `|${columns.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.map(fmt).join(" | ")} |`)].join("\n");
const goals = results.flatMap((r) => r.goals ?? []);
const md = [
  "# Benchmarks",
  "",
  `Written by \`npm run bench\` (bench/index.mjs); do not edit. Machine: ${cpus().length} x ${cpus()[0]?.model ?? "?"}, Node ${process.version}.`,
  "Times are process CPU time (user + system; a C peer in a child process times itself with",
  "CLOCK_PROCESS_CPUTIME_ID), medians over rounds in which the contenders run interleaved; a ratio is",
  "the median of the per-round ratios, with their min-max over the rounds in parentheses. Each suite runs",
  "in a process of its own.",
  "",
  "## Goals",
  "",
  table(["goal", "measured", "met"], goals.map((g) => [g.goal, g.value, g.met === null ? "skipped" : g.met ? "yes" : "no"])),
  ...results.flatMap((r) => ["", `## ${r.title}`, "", `(${r.when})`, "", table(r.columns, r.rows), ...(r.notes?.length ? ["", ...r.notes.map((n) => `- ${n}`)] : [])]),
  "",
].join("\n");
writeFileSync(join(here, "..", "BENCHMARKS.md"), md);
console.log("\n" + md);

#!/usr/bin/env node
// The rovi command line: `rovi study` runs the paper's study (src/study/) and writes
// out/report.md with its SVG figures. Node only (it writes files); the study itself is not.
import { EXPERIMENT_IDS, EXPERIMENT_TITLES, parseExperiments, runStudy, type StudyOptions, type StudySize } from "./study/index.js";

// The build compiles src/ without Node's types (the library itself must not depend on Node), so
// the little of Node this file uses is declared here and node:fs is imported dynamically.
declare const process: {
  argv: string[];
  exitCode?: number;
  stdout: { write(text: string): boolean };
  stderr: { write(text: string): boolean };
};
interface NodeFs {
  mkdirSync(path: string, options: { recursive: boolean }): unknown;
  writeFileSync(path: string, data: string): void;
  readFileSync(path: URL, encoding: "utf8"): string;
}
const FS_MODULE = "node:fs";
const V8_MODULE = "node:v8";

const USAGE = `Usage: rovi study [options]
       rovi --version | --help

Runs the numerical study of "Mode Collapse of Mean-Field Variational Inference" (MFVI, Gaussian
MFVI, RoVI and Langevin on Gaussian mixtures and the Old Faithful label-switching posterior),
prints a progress line per experiment and the results tables, and writes DIR/report.md with
its SVG figures.

Options:
  --only LIST      experiments to run, comma-separated (default: all)
${EXPERIMENT_IDS.map((id) => `                     ${id}  ${EXPERIMENT_TITLES[id]}`).join("\n")}
  --seed N         seed of every fit, chain and random direction (default: 1)
  --backend NAME   wasm or js (default: wasm where available; both give the same bits)
  --out DIR        output folder (default: out)
  --quick          a reduced run (fewer chains, d <= 10 in E4): about a minute (default: off)
  --full           longer Langevin chains and finer figure grids, slower (default: off)
  --no-figures     skip the SVG figures (default: figures on)
  -v, --version    print the version and exit
  -h, --help       show this help and exit
`;

class UsageError extends Error {}

interface Args {
  command: string | null;
  help: boolean;
  version: boolean;
  out: string;
  options: StudyOptions;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { command: null, help: false, version: false, out: "out", options: {} };
  let size: StudySize = "default";
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf("=");
    const [flag, inline] = a.startsWith("--") && eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
    const value = () => {
      if (inline !== undefined) return inline;
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case "-h":
      case "--help":
        args.help = true;
        break;
      case "-v":
      case "--version":
        args.version = true;
        break;
      case "--only":
        args.options.only = parseExperiments(value().split(",").filter((s) => s.trim() !== ""));
        break;
      case "--seed": {
        const v = value();
        const n = Number(v);
        if (!/^\d+$/.test(v) || !Number.isSafeInteger(n)) throw new UsageError(`--seed must be a non-negative integer; got ${JSON.stringify(v)}`);
        args.options.seed = n;
        break;
      }
      case "--backend": {
        const v = value();
        if (v !== "wasm" && v !== "js") throw new UsageError(`--backend must be wasm or js; got ${JSON.stringify(v)}`);
        args.options.backend = v;
        break;
      }
      case "--out":
        args.out = value();
        break;
      case "--quick":
        size = "quick";
        break;
      case "--full":
        size = "full";
        break;
      case "--no-figures":
        args.options.figures = false;
        break;
      default:
        if (a.startsWith("-")) throw new UsageError(`unknown option ${a}`);
        if (args.command !== null) throw new UsageError(`unexpected argument ${JSON.stringify(a)}`);
        args.command = a;
    }
  }
  args.options.size = size;
  return args;
}

async function main(argv: string[]): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError || e instanceof RangeError) {
      process.stderr.write(`rovi: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    throw e;
  }
  const fs = (await import(FS_MODULE)) as NodeFs;
  if (args.version) {
    // dist/cli.js sits one folder below the package root.
    const { version } = JSON.parse(fs.readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
    process.stdout.write(`${version}\n`);
    return 0;
  }
  if (args.help || args.command === null) {
    (args.help ? process.stdout : process.stderr).write(USAGE);
    return args.help ? 0 : 2;
  }
  if (args.command !== "study") {
    process.stderr.write(`rovi: unknown command ${JSON.stringify(args.command)}\n\n${USAGE}`);
    return 2;
  }
  const out = args.out.replace(/\/+$/, "") || "/";
  const join = (file: string) => (out.endsWith("/") ? out + file : `${out}/${file}`);
  // Node 20 can deadlock when the last task has run: a background TurboFan job waits for a
  // collection that only the main thread runs, while the main thread waits for the background
  // jobs (docs/errors-and-limits.md, Node). Compiling on the main thread avoids it; no bit changes.
  ((await import(V8_MODULE)) as { setFlagsFromString(flags: string): void }).setFlagsFromString("--no-concurrent-recompilation");
  const result = await runStudy({ ...args.options, onProgress: (line) => process.stdout.write(`${line}\n`) });
  fs.mkdirSync(out, { recursive: true });
  for (const f of result.figures) fs.writeFileSync(join(f.file), f.svg);
  fs.writeFileSync(join("report.md"), result.report);
  process.stdout.write(`\n${result.text}\n\n`);
  process.stdout.write(`Wrote ${join("report.md")} and ${result.figures.length} figures in ${result.seconds.toFixed(1)} s.\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`rovi: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);

// The package as users get it. Packs this repository (`npm pack`, which builds it through
// `prepare`), installs the tarball with no network into a temporary project, and checks:
//   (a) ESM: the README's first example prints exactly the output the README shows;
//   (b) CommonJS: the same example through require(); the guide's examples print what their
//       comments say (`console.log(...); // output`);
//   (c) TypeScript: a strict example type-checks with skipLibCheck off under moduleResolution
//       node16, nodenext, bundler and node;
//   (d) the CLI: `rovi --version`, `rovi study --help`;
//   (e) a Vite bundle of the example in Debian's Chromium prints the same and gives the same
//       bits as Node on both backends;
//   (f) the TSDoc @example blocks run against the installed package (scripts/examples.mjs);
//   (g) the tarball holds only what users need, and its README and docs link only to its files.
// Usage: node scripts/test-package.mjs [--keep]   (--keep leaves the temporary project)
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { dirname, extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { runExamples } from "./examples.mjs";
import { brokenLinks } from "./links.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const version = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version;
const work = mkdtempSync(join(tmpdir(), "rovi-package-"));
const project = join(work, "project");
const failures = [];

const run = (cmd, args, cwd = project) => execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
const node = (file) => run(process.execPath, [file]);
async function check(name, body) {
  try {
    await body();
    console.log(`ok   ${name}`);
  } catch (e) {
    failures.push(name);
    const detail = [e.message ?? String(e), e.stdout].filter(Boolean).join("\n");
    console.log(`FAIL ${name}\n${detail.replace(/^/gm, "     ")}`);
  }
}
function expectEqual(actual, expected, what) {
  if (actual !== expected) throw new Error(`${what}:\n--- expected\n${expected}\n--- got\n${actual}`);
}

// The README's first example and the output it promises.
const readme = readFileSync(join(root, "README.md"), "utf8");
const section = readme.slice(readme.indexOf("## A first example"));
const example = /```js\n([\s\S]*?)```/.exec(section)[1];
const promised = /```text\n([\s\S]*?)```/.exec(section)[1];
const imports = /^import (\{[^}]*\}) from "rovi";\n/m;
const guide = [...readFileSync(join(root, "docs", "guide.md"), "utf8").matchAll(/```js\n([\s\S]*?)```/g)]
  .map((m) => m[1])
  .filter((code) => code.includes("console.log("));
if (guide.length === 0) throw new Error("docs/guide.md has no example with console.log(...); // output lines");
const commented = (code) => [...code.matchAll(/^console\.log\(.*\/\/ (.*)$/gm)].map((m) => `${m[1]}\n`).join("");
const commonJs = `const ${imports.exec(example)[1]} = require("rovi");\n(async () => {\n${example.replace(imports, "")}})().catch((e) => {\n  console.error(e);\n  process.exitCode = 1;\n});\n`;

try {
  console.log(`rovi ${version}: packing into ${work}`);
  const [{ filename, size, unpackedSize, entryCount, files }] = JSON.parse(run("npm", ["pack", "--json", "--pack-destination", work], root));
  console.log(`     ${filename}: ${entryCount} files, ${(size / 1000).toFixed(1)} kB packed, ${(unpackedSize / 1000).toFixed(1)} kB unpacked`);
  mkdirSync(project);
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "rovi-package-test", private: true, type: "module" }));
  run("npm", ["install", "--offline", "--no-audit", "--no-fund", join(work, filename)]);
  for (const file of ["bits.js", "typed.ts", "index.html", "browser.js"]) copyFileSync(join(root, "test", "package", file), join(project, file));
  writeFileSync(join(project, "readme-example.mjs"), example);
  writeFileSync(join(project, "readme-example.cjs"), commonJs);
  writeFileSync(join(project, "node-bits.mjs"), 'import { fitBits } from "./bits.js";\nconsole.log(JSON.stringify({ wasm: await fitBits("wasm"), js: await fitBits("js") }));\n');

  await check("(a) ESM: the README example prints what the README says", () => expectEqual(node("readme-example.mjs"), promised, "stdout"));
  await check("(b) CommonJS: the same through require()", () => expectEqual(node("readme-example.cjs"), promised, "stdout"));
  for (const [i, code] of guide.entries()) {
    await check(`(b) docs/guide.md example ${i + 1} prints what its comments say`, () => {
      writeFileSync(join(project, `guide-${i + 1}.mjs`), code);
      expectEqual(node(`guide-${i + 1}.mjs`), commented(code), "stdout");
    });
  }

  const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
  const resolutions = { node16: "node16", nodenext: "nodenext", bundler: "esnext", node: "commonjs" };
  for (const [moduleResolution, module] of Object.entries(resolutions)) {
    await check(`(c) tsc --strict, skipLibCheck off, moduleResolution ${moduleResolution}`, () => {
      const compilerOptions = { strict: true, skipLibCheck: false, noEmit: true, module, moduleResolution, target: "ES2022", lib: ["ES2022", "DOM"], types: [] };
      writeFileSync(join(project, `tsconfig.${moduleResolution}.json`), JSON.stringify({ compilerOptions, files: ["typed.ts"] }));
      run(process.execPath, [tsc, "-p", `tsconfig.${moduleResolution}.json`]);
    });
  }

  await check("(d) npx rovi --version", () => expectEqual(run("npx", ["--offline", "rovi", "--version"]), `${version}\n`, "stdout"));
  await check("(d) npx rovi study --help: every option with its default", () => {
    const help = run("npx", ["--offline", "rovi", "study", "--help"]);
    const options = help.split("\n").filter((line) => /^ {2}-/.test(line));
    const undocumented = options.filter((line) => !/\(default: [^)]+\)|--help|--version/.test(line));
    if (options.length < 8 || undocumented.length > 0) throw new Error(`options without a default:\n${undocumented.join("\n")}\n\n${help}`);
  });

  const nodeBits = JSON.parse(node("node-bits.mjs"));
  await check("(e) Vite bundle in Chromium: the README's output, and Node's bits on both backends", async () => {
    const { build } = await import("vite");
    await build({ root: project, logLevel: "warn", build: { target: "es2022", outDir: join(work, "bundle"), emptyOutDir: true } });
    const result = await inChromium(join(work, "bundle"));
    if (result.error) throw new Error(result.error);
    expectEqual(result.lines.join("\n") + "\n", promised, "console lines");
    for (const backend of ["wasm", "js"]) expectEqual(result.bits[backend], nodeBits[backend], `bits of the ${backend} fit`);
    expectEqual(nodeBits.wasm, nodeBits.js, "bits of the wasm fit against the js fit");
  });

  await check("(f) the TSDoc @example blocks run against the installed package", () => runExamples(project));
  await check("(g) the tarball: dist without source maps, docs, README, BENCHMARKS, LICENSE; links resolve inside it", () => {
    const paths = files.map((f) => f.path);
    const stray = paths.filter((p) => !/^(dist\/.*\.(js|d\.ts)|docs\/[\w./-]+\.(md|svg)|README\.md|BENCHMARKS\.md|LICENSE|package\.json)$/.test(p));
    const needed = ["dist/index.js", "dist/index.d.ts", "dist/study/index.js", "dist/study/index.d.ts", "dist/cli.js", "LICENSE", "README.md"].filter((p) => !paths.includes(p));
    const installed = join(project, "node_modules", "rovi");
    const broken = brokenLinks(installed, paths.filter((p) => p.endsWith(".md")));
    if (stray.length + needed.length + broken.length > 0)
      throw new Error(`not for users: ${stray.join(", ")}\nmissing: ${needed.join(", ")}\nbroken links: ${broken.join(", ")}`);
  });
} finally {
  if (process.argv.includes("--keep")) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
if (failures.length > 0) {
  console.log(`\n${failures.length} package check(s) failed`);
  process.exit(1);
}
console.log("\nthe package works as installed");

/** Serves dir over HTTP (module scripts cannot load from file://) and returns window.roviResult. */
async function inChromium(dir) {
  const types = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript" };
  const server = createServer((req, res) => {
    const file = join(dir, new URL(req.url, "http://x").pathname.replace(/\/$/, "/index.html"));
    try {
      const body = readFileSync(file);
      res.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { chromium } = await import("playwright");
  const browser = await chromium.launch({
    executablePath: process.env.ROVI_CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
  });
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await page.waitForFunction(() => window.roviResult !== undefined, null, { timeout: 120_000 });
    return await page.evaluate(() => window.roviResult);
  } finally {
    await browser.close();
    server.close();
  }
}

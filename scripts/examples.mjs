// Runs every @example block of the public TSDoc (read by TypeDoc from the entry points in
// typedoc.json) against an installed copy of the package, and lists the exported functions
// that have none. An example is a ```ts fence (or the whole tag) that throws (e.g. through
// node:assert) when its claim is false; the public names it uses without importing them are
// imported for it from "rovi" and "rovi/study", as the API reference shows them.
// Used by scripts/test-package.mjs on the project it installs the tarball into.
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { transform } from "esbuild";
import { Application, Comment, ReflectionKind } from "typedoc";

/** Every exported function must carry an @example: a missing one fails the package test. */
export const REQUIRE_AN_EXAMPLE_FOR_EVERY_FUNCTION = true;

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The @example code of each documented reflection, by its full name. */
export async function collectExamples() {
  const app = await Application.bootstrap({ options: join(root, "typedoc.json"), logLevel: "Error" });
  const project = await app.convert();
  if (!project) throw new Error("TypeDoc could not read the entry points");
  const blocksOf = (comment) => comment?.getTags("@example").map((tag) => codeOf(Comment.combineDisplayParts(tag.content))) ?? [];
  const examples = [];
  const missing = [];
  // Signatures are reflections of their own, so each comment is met once.
  for (const reflection of Object.values(project.reflections)) {
    const owner = reflection.kindOf(ReflectionKind.SomeSignature) ? reflection.parent : reflection;
    blocksOf(reflection.comment).forEach((code, i) => examples.push({ name: `${owner.getFullName()} @example ${i + 1}`, code }));
    const signed = [reflection, ...(reflection.signatures ?? [])].some((r) => blocksOf(r.comment).length > 0);
    if (reflection.kindOf(ReflectionKind.Function) && !signed) missing.push(reflection.getFullName());
  }
  const specifier = (module) => (module.name === "index" ? "rovi" : `rovi/${module.name}`);
  const exported = new Map((project.children ?? []).map((m) => [specifier(m), (m.children ?? []).map((c) => c.name)]));
  return { examples, missing, exported };
}

/** `code` with imports of the public names it uses but neither imports nor declares. */
function withImports(code, exported) {
  const known = new Set([...code.matchAll(/\b(?:import|const|let|var|function|class)\s+\{?([^=;(]*)/g)].flatMap((m) => m[1].match(/\w+/g) ?? []));
  // a name exported by several entries (rovi/worker's mfvi) comes from the first: "rovi"
  const lines = [...exported].map(([from, names]) => {
    const used = names.filter((n) => !known.has(n) && new RegExp(`\\b${n}\\b`).test(code));
    used.forEach((n) => known.add(n));
    return used.length > 0 ? `import { ${used.join(", ")} } from "${from}";\n` : "";
  });
  return lines.join("") + code;
}

function codeOf(text) {
  const fences = [...text.matchAll(/```\w*\n([\s\S]*?)```/g)].map((m) => m[1]);
  return fences.length > 0 ? fences.join("\n") : text;
}

/** Runs the examples in `project` (which has rovi installed); throws listing the ones that fail. */
export async function runExamples(project) {
  const { examples, missing, exported } = await collectExamples();
  const dir = join(project, "examples");
  mkdirSync(dir, { recursive: true });
  const failed = [];
  for (const [i, { name, code }] of examples.entries()) {
    const file = join(dir, `example-${i}.mjs`);
    writeFileSync(file, `// ${name}\n${(await transform(withImports(code, exported), { loader: "ts", format: "esm" })).code}`);
    try {
      execFileSync(process.execPath, [file], { cwd: project, stdio: ["ignore", "ignore", "pipe"] });
    } catch (e) {
      failed.push(`${name}: ${String(e.stderr).trim().split("\n").slice(0, 8).join("\n")}`);
    }
  }
  console.log(`     ${examples.length} @example block(s) run; ${missing.length} exported function(s) without one${missing.length ? `: ${missing.join(", ")}` : ""}`);
  if (failed.length > 0) throw new Error(`@example blocks that fail:\n${failed.join("\n")}`);
  if (REQUIRE_AN_EXAMPLE_FOR_EVERY_FUNCTION && missing.length > 0) throw new Error(`exported functions without an @example: ${missing.join(", ")}`);
}

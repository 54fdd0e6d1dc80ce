// The study is built on the library's public API: its modules import the package's main entry,
// the SVG drawing module and each other, nothing else of src/.
import { readdirSync, readFileSync } from "node:fs";
import ts from "typescript";
import { expect, test } from "vitest";

const dir = new URL("../src/study/", import.meta.url);
const ALLOWED = /^(\.\.\/index\.js|\.\.\/svg\.js|\.\/[\w-]+\.js)$/;

test("src/study/ imports only ../index.js, ../svg.js and its own modules", () => {
  const files = readdirSync(dir).filter((f) => f.endsWith(".ts"));
  expect(files).toContain("index.ts");
  for (const f of files) {
    // the compiler's own scan: imports in code, not those of the @example blocks in comments
    const specifiers = ts.preProcessFile(readFileSync(new URL(f, dir), "utf8"), true, true).importedFiles.map((m) => m.fileName);
    expect(specifiers.length, f).toBeGreaterThan(0);
    for (const s of specifiers) expect(s, `${f} imports ${s}`).toMatch(ALLOWED);
  }
});

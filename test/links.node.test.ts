// A reader of the repository alone can follow every link: the markdown files link only to
// files that exist here, and every "docs/algorithms.md §N" cited in code names a real section.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";
import { algorithmSections, brokenLinks } from "../scripts/links.mjs";

const root = join(import.meta.dirname, "..");
const sources = (dir: string): string[] =>
  readdirSync(join(root, dir), { recursive: true, encoding: "utf8" })
    .filter((f) => /\.(ts|mjs|py)$/.test(f) && !f.includes("generated"))
    .map((f) => join(dir, f));
const code = ["assembly", "src", "test", "scripts", "bench"].flatMap(sources);

test("README.md and docs/*.md link only to files in the repository", () => {
  const markdown = ["README.md", ...readdirSync(join(root, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];
  expect(markdown.length).toBeGreaterThan(2);
  expect(brokenLinks(root, markdown)).toEqual([]);
});

test("every docs/algorithms.md §N cited in the code is a section of it, and nothing cites a file outside", () => {
  const sections = algorithmSections(root);
  expect([...sections]).toEqual(["1", "2", "3", "4", "5", "6", "7", "8"]);
  const citations = code.flatMap((file) => [...readFileSync(join(root, file), "utf8").matchAll(/docs\/algorithms\.md §(\d+)/g)].map((m) => ({ file, section: m[1] })));
  expect(citations.length).toBeGreaterThan(10);
  expect(citations.filter((c) => !sections.has(c.section))).toEqual([]);
  const outside = code.filter((file) => /ALGORITHMS\.md|shared\/(docs|data)/.test(readFileSync(join(root, file), "utf8")));
  expect(outside).toEqual([]);
});

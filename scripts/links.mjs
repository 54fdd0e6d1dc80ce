// Links a reader must be able to follow: relative links of markdown files, and the
// "docs/algorithms.md §N" citations of source comments. Used by test/links.node.test.ts (the
// repository) and scripts/test-package.mjs (the installed package).
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

/** The relative links in the markdown files (paths from `root`) whose target does not exist. */
export function brokenLinks(root, files) {
  const broken = [];
  for (const file of files) {
    const text = readFileSync(join(root, file), "utf8").replace(/```[\s\S]*?```/g, "");
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:|^#/.test(target)) continue;
      const path = join(root, dirname(file), decodeURIComponent(target.replace(/#.*$/, "")));
      if (!existsSync(path)) broken.push(`${file}: ${target}`);
    }
  }
  return broken;
}

/** The sections "§N" that docs/algorithms.md under `root` has (its "## §N." headings). */
export function algorithmSections(root) {
  return new Set([...readFileSync(join(root, "docs", "algorithms.md"), "utf8").matchAll(/^## §(\d+)\./gm)].map((m) => m[1]));
}

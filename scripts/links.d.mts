// Types of scripts/links.mjs for the spec that imports it.
/** Relative links in the given markdown files (paths from root) that point at no file, as "file: link". */
export function brokenLinks(root: string, files: readonly string[]): string[];
/** The section numbers of docs/algorithms.md. */
export function algorithmSections(root: string): Set<string>;

// `npm test`: builds the package (the worker and end-to-end specs load dist/) and the explorer
// page (out/demo/), makes sure Debian's Chromium is there for the browser project and the
// end-to-end spec (installing it with apt when running as root), then runs vitest on both projects.
// It never skips the browser project silently: without Chromium it stops with a message.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const chromium = process.env.ROVI_CHROMIUM ?? "/usr/bin/chromium";
const sh = (cmd, args, env = process.env) => spawnSync(cmd, args, { stdio: "inherit", env }).status ?? 1;

if (!existsSync(chromium)) {
  const root = typeof process.getuid === "function" && process.getuid() === 0;
  const apt = existsSync("/usr/bin/apt-get");
  if (root && apt) {
    console.log(`rovi: ${chromium} not found; installing Debian's chromium package with apt-get`);
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    if (sh("apt-get", ["update"], env) !== 0 || sh("apt-get", ["install", "-y", "chromium"], env) !== 0) {
      console.error("rovi: apt-get could not install chromium; the browser tests cannot run.");
      process.exit(1);
    }
  }
  if (!existsSync(chromium)) {
    console.error(
      `rovi: the browser tests need Chromium at ${chromium} (Debian: apt-get install chromium,\n` +
        "or set ROVI_CHROMIUM to a Chromium binary). Not skipping them silently: stopping.",
    );
    process.exit(1);
  }
}

execFileSync("node", ["scripts/build.mjs"], { stdio: "inherit" });
execFileSync("npx", ["vite", "build", "--config", "demo/vite.config.ts", "--logLevel", "warn"], { stdio: "inherit" });
process.exit(sh("npx", ["vitest", "run", ...process.argv.slice(2)]));

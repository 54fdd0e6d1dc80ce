// The BUILT explorer page (out/demo/, from `npm run demo:build`, which `npm test` runs first)
// served from a static folder on a localhost port and driven in Debian's Chromium: fits end
// with the numbers Node computes for the same state (bit for bit), a typed custom density
// fits, input is handled promptly while a long fit runs, and nothing is logged as an error.
// Also: the package loads in a plain <script type="module"> from dist/, without a bundler.
import { createServer, type Server } from "node:http";
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { extname, join, normalize } from "node:path";
import type { AddressInfo } from "node:net";
import { chromium, type Browser, type Page } from "playwright";
import { afterAll, beforeAll, expect, test } from "vitest";
import { customTarget, gaussianMfvi, gaussianMixture, lmc, mfvi, ready, rovi, type Approximation, type LmcResult } from "../dist/index.js";
import { WorkerPool } from "../dist/worker/index.js";
import { customModule, fitOptions, mixtureSpec, parseState, summarize, type State } from "../demo/model.js";

const root = new URL("..", import.meta.url).pathname;
const TYPES: Record<string, string> = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css", ".json": "application/json" };
let server: Server;
let base: string;
let browser: Browser;
const errors: string[] = [];

beforeAll(async () => {
  if (!existsSync(join(root, "out/demo/index.html"))) throw new Error("out/demo/ is missing: run `npm run demo:build` (npm test does)");
  server = createServer((req, res) => {
    const path = normalize(join(root, decodeURIComponent(new URL(req.url!, "http://x").pathname)));
    if (!path.startsWith(root) || !existsSync(path) || !statSync(path).isFile()) return void res.writeHead(404).end();
    res.writeHead(200, { "content-type": TYPES[extname(path)] ?? "application/octet-stream" }).end(readFileSync(path));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: process.env.ROVI_CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
  });
  await ready("wasm");
});

afterAll(async () => {
  await browser?.close();
  server?.close();
});

async function open(path: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  page.on("console", (m) => m.type() === "error" && errors.push(`${path}: ${m.text()}`));
  page.on("pageerror", (e) => errors.push(`${path}: ${e.message}`));
  await page.goto(`${base}${path}`);
  return page;
}

const demo = (query: string) => open(`/out/demo/index.html?${query}`);
const finished = (page: Page) => page.waitForSelector('body[data-state="done"]', { timeout: 90_000 });
const pageResult = async (page: Page) => JSON.parse((await page.textContent("#result"))!);

/** The state's fit run in this (Node) thread, summarised as the page does. */
async function inNode(s: State) {
  const fits = { mfvi, rovi, gaussianMfvi, lmc } as unknown as Record<string, (t: unknown, o: unknown) => Promise<Approximation | LmcResult>>;
  const target = s.target === "mixture" ? gaussianMixture(mixtureSpec(s)) : customTarget((await import(`data:text/javascript,${encodeURIComponent(customModule(s.density))}`)).target);
  return JSON.parse(JSON.stringify(summarize(s, await fits[s.method](target, fitOptions(s)))));
}

test.each([
  ["method=mfvi&m=3&seed=1&backend=wasm", (m: number[]) => expect(Math.max(...m)).toBeGreaterThan(0.999)],
  ["method=rovi&m=3&seed=1&backend=wasm", (m: number[]) => m.forEach((x) => expect(Math.abs(x - 0.5)).toBeLessThan(0.02))],
  ["method=rovi&m=3&w=0.3&seed=2&backend=js", (m: number[]) => expect(Math.abs(m[0] - 0.3)).toBeLessThan(0.02)],
  ["method=lmc&m=3&seed=1&backend=wasm", (m: number[]) => m.forEach((x) => expect(Math.abs(x - 0.5)).toBeLessThan(0.05))],
])("%s&autorun=1: the masses expected, and the same bits as Node", async (query, check) => {
  const page = await demo(`${query}&autorun=1`);
  await finished(page);
  const got = await pageResult(page);
  check(got.masses);
  expect(got).toEqual(await inNode(parseState(query)));
  if (query.startsWith("method=rovi&m=3&seed=1")) {
    mkdirSync(join(root, "out/screenshots"), { recursive: true });
    await page.screenshot({ path: join(root, "out/screenshots/demo-rovi.png"), fullPage: true });
  }
  await page.close();
});

test("a log density typed into the box fits (and as in Node)", async () => {
  const page = await demo("target=custom&method=rovi&grid=64");
  const density = "return -((x * x + y * y - 4) ** 2) / 2 - (x - y) * (x - y) / 8;";
  await page.fill("#density", "");
  await page.locator("#density").pressSequentially(density);
  await page.click("#run");
  await finished(page);
  const got = await pageResult(page);
  expect(got.status).toBe("converged");
  expect(Number.isFinite(got.kl)).toBe(true);
  expect(got).toEqual(await inNode(parseState(`target=custom&method=rovi&grid=64&density=${encodeURIComponent(density)}`)));
  expect(new URL(page.url()).searchParams.get("density")).toBe(density); // the link carries it
  await page.close();
});

test("an input event is handled within 100 ms while a long fit runs in the worker", async () => {
  // RoVI with exact quadrature on 4096-cell grids: seconds in all, each sweep of its final
  // stage a quarter of a second or more of kernel work without a break (in the page's own
  // thread, input would wait that long); its tempered stages run on 64 cells
  const page = await demo("method=rovi&m=3&grid=4096&autorun=1");
  await page.waitForSelector('body[data-state="running"]');
  await page.focus('input[name="w"]');
  const latencies: number[] = [];
  for (let i = 0; i < 5; i++) {
    await page.keyboard.press(i % 2 ? "ArrowLeft" : "ArrowRight");
    latencies.push(Number(await page.evaluate(() => document.body.dataset.inputLatency)));
    await page.waitForTimeout(100);
  }
  // the readouts follow the fit live
  await page.waitForFunction(() => Number(document.querySelector("#sweeps")!.textContent) >= 2);
  expect(await page.evaluate(() => document.body.dataset.state)).toBe("running"); // measured during the fit
  expect(Math.max(...latencies)).toBeLessThan(100);
  await page.click("#stop");
  await finished(page);
  expect((await pageResult(page)).status).toBe("aborted");
  await page.close();
});

test("the comparison runs the four methods side by side on the worker pool", async () => {
  const page = await demo("m=3&seed=1");
  await page.click("#compare");
  await page.waitForFunction(() => Array.from(document.querySelectorAll("#comparison tbody tr")).filter((r) => !r.textContent!.includes("running")).length === 4);
  const rows = await page.$$eval("#comparison tbody tr", (trs) => trs.map((r) => Array.from(r.children, (c) => c.textContent)));
  expect(rows.map((r) => [r[0], r[3]])).toEqual([["MFVI", "converged"], ["RoVI", "converged"], ["Gaussian MFVI", "converged"], ["LMC", "completed"]]);
  await page.screenshot({ path: join(root, "out/screenshots/demo-compare.png"), fullPage: true });
  await page.close();
});

test("the package works from a plain <script type=module> importing dist/, without a bundler", async () => {
  const page = await open("/test/fixtures/plain-module.html");
  await finished(page);
  const got = JSON.parse((await page.textContent("#out"))!);
  const spec = { weights: [0.3, 0.7], means: [[-3, -3], [3, 3]], covariances: [1, [1, 2]] };
  const pool = new WorkerPool({ size: 2 });
  const there = await pool.rovi({ gaussianMixture: spec }, { seed: 1, gridSize: 64, backend: "wasm", restarts: 2 });
  pool.terminate();
  expect(got).toEqual({ mfvi: (await mfvi(gaussianMixture(spec), { seed: 1, gridSize: 64, backend: "wasm" })).kl, rovi: there.kl, runs: Array.from(there.runs!) });
  await page.close();
});

test("no page logged an error", () => {
  expect(errors).toEqual([]);
});

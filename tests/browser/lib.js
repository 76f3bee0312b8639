/*
 * What the browser test files share: the shop started by env.py, Debian's
 * Chromium through playwright-core, watched browser contexts, assertions,
 * axe-core on a page, screenshots, and the runner that prints "ok NAME" or
 * "FAIL NAME" per test and ends with "N passed, N failed".
 *
 *   const lib = require("./lib");
 *   lib.test("name", async (t) => { ... });
 *   lib.main();
 *
 * A test gets t: t.session(name, options) for a browser context (its
 * pages watched: a console message about the Content Security Policy, any
 * other console error not in t.allowed, or an uncaught JavaScript error
 * fails the test), t.page(width) for a page of a new context that wide,
 * t.shot(page, label) for a numbered screenshot under
 * build/test-artifacts/browser/NAME/, and t.visit(page, url, name) to open
 * a page, check it with axe-core and keep it as <name>-<width>.png.
 */
"use strict";

const { chromium } = require("playwright-core");
const { spawn, execFileSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");
const readline = require("node:readline");

const ROOT = path.resolve(__dirname, "..", "..");
const ARTIFACTS = path.resolve(process.env.SHOP_ARTIFACTS ||
    path.join(ROOT, "build", "test-artifacts", "browser"));
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
// Playwright gives every launch a fresh temporary profile of its own
// (--user-data-dir); these keep Chromium off the network it cannot reach.
const CHROMIUM_ARGS = [
	"--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
	"--disable-background-networking", "--disable-component-update",
	"--disable-sync", "--disable-default-apps", "--disable-extensions",
	"--no-default-browser-check", "--metrics-recording-only",
	"--password-store=basic",
];
const STEP_TIMEOUT = 10000;	/* ms: one click, one navigation */
const LIVE_TIMEOUT = 15000;	/* ms: a live update to arrive */
const TEST_TIMEOUT = 60000;	/* ms: a whole test */

/* The heights that go with the widths the tests use. */
const HEIGHTS = { 320: 640, 390: 844, 768: 1024, 1280: 800 };

const shop = {};	/* what env.py printed, once started */
let browser;

/* axe-core's source, evaluated in a page (not a script tag: the CSP). */
let axeSource;

/* ------------------------------------------------------------ assertions */

function sleep(ms) {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

/* The visible text of a locator, whitespace collapsed. */
async function textOf(locator) {
	return (await locator.innerText()).replace(/\s+/g, " ").trim();
}

/*
 * Wait until the text of the one element locator finds is exactly want
 * (a string) or matches it (a RegExp); throws with what it last saw.
 */
async function expectText(locator, want, timeout = STEP_TIMEOUT) {
	const end = Date.now() + timeout;
	let got = "(no element)";

	for (;;) {
		try {
			if (await locator.count() === 1)
				got = await textOf(locator);
			else
				got = `(${await locator.count()} elements)`;
		} catch (e) {
			got = `(${e.message.split("\n")[0]})`;
		}
		if (typeof want === "string" ? got === want : want.test(got))
			return got;
		if (Date.now() > end)
			throw new Error(`${locator}: text ${JSON.stringify(got)}, ` +
			    `want ${want instanceof RegExp ? want :
			    JSON.stringify(want)} (after ${timeout} ms)`);
		await sleep(50);
	}
}

function expectEqual(got, want, what) {
	if (got !== want)
		throw new Error(`${what}: got ${JSON.stringify(got)}, want ` +
		    `${JSON.stringify(want)}`);
}

function expectMatch(got, re, what) {
	if (!re.test(got))
		throw new Error(`${what}: ${JSON.stringify(got)} does not ` +
		    `match ${re}`);
}

/*
 * Run axe-core on the page as it is; throws listing every violation
 * (rule, impact, the first few elements) when there is any.
 */
async function axeCheck(page, what) {
	if (axeSource === undefined)
		axeSource = fs.readFileSync(require.resolve("axe-core/axe.min.js"),
		    "utf8");
	if (!await page.evaluate("typeof window.axe === 'object'"))
		await page.evaluate(axeSource);
	const violations = await page.evaluate(async () => {
		const res = await window.axe.run(document, {
			resultTypes: ["violations"],
		});
		return res.violations.map((v) => `${v.id} (${v.impact}): ` +
		    `${v.help}: ` + v.nodes.slice(0, 3).map((n) =>
		    n.target.join(" ")).join(", "));
	});
	if (violations.length)
		throw new Error(`axe on ${what || page.url()}:\n  ` +
		    violations.join("\n  "));
}

/*
 * Throws when the page is wider than its viewport (it would scroll
 * sideways): document.documentElement.scrollWidth against innerWidth.
 */
async function expectNoSideScroll(page, what) {
	const [sw, iw] = await page.evaluate(() =>
	    [document.documentElement.scrollWidth, window.innerWidth]);
	if (sw > iw)
		throw new Error(`${what || page.url()} at ${iw} px is ${sw} px ` +
		    "wide: it scrolls sideways");
}

/* ------------------------------------------------------------ contexts */

/*
 * A test's browser context: its pages are watched for CSP reports,
 * console errors and uncaught errors.
 */
class Session {
	constructor(t, name, options = {}) {
		this.t = t;
		this.name = name;
		this.options = options;
	}

	async open() {
		this.context = await browser.newContext({
			baseURL: shop.shop,
			viewport: { width: 1280, height: 900 },
			locale: "en-GB",
			...this.options,
		});
		this.context.setDefaultTimeout(STEP_TIMEOUT);
		this.context.setDefaultNavigationTimeout(STEP_TIMEOUT);
		this.context.on("page", (p) => this.watch(p));
		this.page = await this.context.newPage();
		return this.page;
	}

	watch(page) {
		const where = () => `${this.name} at ${page.url()}`;

		page.on("console", (msg) => {
			const text = msg.text();
			if (/Content[- ]Security[- ]Policy/i.test(text))
				this.t.problems.push(`CSP (${where()}): ${text}`);
			else if (msg.type() === "error" &&
			    !this.t.allowed.some((re) => re.test(text)))
				this.t.problems.push(`console error (${where()}): ` +
				    `${text} ${msg.location().url || ""}`);
		});
		page.on("pageerror", (err) =>
		    this.t.problems.push(`JavaScript error (${where()}): ` +
		    `${err.message}`));
	}

	async close() {
		if (this.context)
			await this.context.close();
	}
}

/* ------------------------------------------------------------ the shop */

function startShop() {
	return new Promise((resolve, reject) => {
		const env = spawn(process.env.PYTHON || "python3",
		    [path.join(__dirname, "env.py")],
		    { stdio: ["pipe", "pipe", "inherit"] });
		const lines = readline.createInterface({ input: env.stdout });

		env.on("exit", (code) => reject(new Error(`env.py exited ${code}`)));
		lines.once("line", (line) => {
			Object.assign(shop, JSON.parse(line));
			shop.process = env;
			resolve();
		});
	});
}

function stopShop() {
	if (!shop.process || shop.process.exitCode !== null)
		return Promise.resolve();
	return new Promise((resolve) => {
		shop.process.once("exit", resolve);
		shop.process.stdin.end();
	});
}

/*
 * Run build/bin/shopctl on the shop's data with args, input on its
 * standard input; returns what it printed, throws when it fails.
 */
function shopctl(args, input = "") {
	return execFileSync(path.join(ROOT, "build", "bin", "shopctl"), args, {
		input,
		encoding: "utf8",
		env: {
			...process.env,
			SHOP_DATA_DIR: shop.data,
			SHOP_TEMPLATE_DIR: path.join(ROOT, "templates"),
		},
	});
}

/* ------------------------------------------------------------ runner */

const tests = [];

function test(name, fn) {
	tests.push({ name, fn });
}

async function runTest(tc) {
	const dir = path.join(ARTIFACTS, tc.name);
	const sessions = [];
	let step = 0;
	const t = {
		problems: [],
		allowed: [],
		shots: [],
		async session(name, options) {
			const s = new Session(t, name, options);
			sessions.push(s);
			return s;
		},
		/* A page of a new context width px wide (and as high as usual). */
		async page(width, options = {}) {
			const s = await t.session(`${width}px`, {
				viewport: { width, height: HEIGHTS[width] || 900 },
				...options,
			});
			const page = await s.open();
			page.shopWidth = width;
			return page;
		},
		async shot(page, label) {
			const file = path.join(dir,
			    `${String(++step).padStart(2, "0")}-${label}.png`);
			await page.screenshot({ path: file, fullPage: true });
			t.shots.push(file);
		},
		/* The page as name-width.png beside the test folders. */
		async keep(page, name) {
			const width = page.viewportSize().width;
			const file = path.join(ARTIFACTS, `${name}-${width}.png`);
			await page.screenshot({ path: file, fullPage: true });
			t.shots.push(file);
		},
		/*
		 * Check the page as it is with axe-core and keep its
		 * screenshot as name-width.png.
		 */
		async check(page, name) {
			await axeCheck(page, `${name} (${page.url()}, ` +
			    `${page.viewportSize().width} px)`);
			await t.keep(page, name);
		},
		/* Open url (want: its HTTP status, 200 unless told), then check. */
		async visit(page, url, name, want = 200) {
			const resp = await page.goto(url);
			expectEqual(resp.status(), want, `status of ${url}`);
			await t.check(page, name);
			return resp;
		},
	};
	fs.rmSync(dir, { recursive: true, force: true });
	fs.mkdirSync(dir, { recursive: true });

	let timer;
	try {
		await Promise.race([
			tc.fn(t),
			new Promise((_, reject) => {
				timer = setTimeout(() => reject(new Error(
				    `test took over ${TEST_TIMEOUT} ms`)), TEST_TIMEOUT);
			}),
		]);
		if (t.problems.length)
			throw new Error(t.problems.join("\n"));
	} catch (e) {
		// The page as it was when the test failed.
		for (const s of sessions)
			for (const p of s.context ? s.context.pages() : [])
				await t.shot(p, `failure-${s.name}`).catch(() => {});
		throw Object.assign(e, { shots: t.shots });
	} finally {
		clearTimeout(timer);
		for (const s of sessions)
			await s.close().catch(() => {});
	}
	return t.shots;
}

/*
 * Start the shop and Chromium, run the tests named on the command line
 * (all of them when none is), stop everything and exit: 0 when all
 * passed, 1 otherwise. Names of tests of other files are ignored; when
 * none is of this file, it runs nothing, says "0 passed, 0 failed" and
 * exits 0.
 */
async function run() {
	const only = new Set(process.argv.slice(2));
	const chosen = tests.filter((tc) => !only.size || only.has(tc.name));
	let passed = 0, failed = 0;

	if (only.size && !chosen.length) {
		// tests/browser/run.sh passes the names to every file.
		console.log(`no test here among: ${[...only].join(" ")}`);
		console.log("0 passed, 0 failed");
		process.exit(0);
	}
	await startShop();
	console.log(`shop ${shop.shop}, gateway ${shop.gateway}, ` +
	    `data ${shop.data}`);
	browser = await chromium.launch({
		executablePath: CHROMIUM,
		headless: true,
		args: CHROMIUM_ARGS,
	});
	console.log(`Chromium ${browser.version()}`);
	for (const tc of chosen) {
		const t0 = Date.now();
		try {
			const shots = await runTest(tc);
			passed++;
			console.log(`ok   ${tc.name} (${((Date.now() - t0) / 1000)
			    .toFixed(2)}s)`);
			for (const f of shots)
				console.log(`     ${path.relative(ROOT, f)}`);
		} catch (e) {
			failed++;
			console.log(`FAIL ${tc.name} (${((Date.now() - t0) / 1000)
			    .toFixed(2)}s)`);
			for (const line of String(e.stack || e).split("\n"))
				console.log(`     ${line}`);
			for (const f of e.shots || [])
				console.log(`     ${path.relative(ROOT, f)}`);
		}
	}
	await browser.close();
	await stopShop();
	if (failed)
		console.log(`logs: ${shop.shop_logs} ${shop.gateway_logs} ` +
		    `${shop.worker_log} (removed unless SHOP_KEEP=1)`);
	console.log(`${passed} passed, ${failed} failed`);
	process.exit(failed || !passed ? 1 : 0);
}

function main() {
	run().catch(async (e) => {
		console.log(`error: ${e.stack || e}`);
		if (browser)
			await browser.close().catch(() => {});
		await stopShop().catch(() => {});
		console.log("0 passed, 1 failed");
		process.exit(1);
	});
}

module.exports = {
	ROOT, ARTIFACTS, STEP_TIMEOUT, LIVE_TIMEOUT, TEST_TIMEOUT,
	shop, sleep, textOf, expectText, expectEqual, expectMatch,
	axeCheck, expectNoSideScroll, shopctl, test, main,
};

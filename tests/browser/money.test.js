/*
 * The money features in Debian's Chromium, driven by playwright-core: an
 * administrator signs in, makes a shipping zone of EU countries with a
 * method of its own and a 10% discount code in the back office, and a
 * customer buys with the code, shipped by that method: the cart, the
 * checkout summary, the gateway's hosted page and the paid order all
 * show the same discounted total. Then bad codes in the cart and at
 * checkout are refused with their reasons.
 *
 *   node tests/browser/money.test.js [test-name...]
 *
 * The harness is tests/browser/shop.test.js's: it starts the shop with
 * tests/browser/env.py (gateway, lighttpd, shop-worker on free ports),
 * prints "ok NAME (Ns)" or "FAIL NAME" per test and ends with "N passed,
 * N failed". Screenshots go to build/test-artifacts/browser/NAME/.
 * playwright-core comes from tests/browser/node_modules (npm ci, or
 * tests/browser/run.sh once).
 *
 * Every page is watched: a console message about the Content Security
 * Policy, any other console error, or an uncaught JavaScript error fails
 * the test it happens in.
 */
"use strict";

const { chromium } = require("playwright-core");
const { spawn, spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");
const readline = require("node:readline");

const ROOT = path.resolve(__dirname, "..", "..");
const ARTIFACTS = path.resolve(process.env.SHOP_ARTIFACTS ||
    path.join(ROOT, "build", "test-artifacts", "browser"));
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const CHROMIUM_ARGS = [
	"--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
	"--disable-background-networking", "--disable-component-update",
	"--disable-sync", "--disable-default-apps", "--disable-extensions",
	"--no-default-browser-check", "--metrics-recording-only",
	"--password-store=basic",
];
const STEP_TIMEOUT = 10000;	/* ms: one click, one navigation */
const TEST_TIMEOUT = 90000;	/* ms: a whole test */

const CARD_OK = "4242 4242 4242 4242";

const ADMIN = {
	email: "owner@example.test",
	name: "Shop Owner",
	password: "a long passphrase for the back office 7",
};

const CUSTOMER = {
	email: "grace@example.test",
	name: "Grace Hopper",
	line1: "3 Rue de la Paix",
	city: "Paris",
	postcode: "75002",
	country: "France",
};

let shop;		/* what env.py printed */
let browser;

/* ------------------------------------------------------------ helpers */

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
 * A test's browser context: its pages are watched for CSP reports,
 * console errors and uncaught errors, and shot() saves numbered
 * screenshots of a page under the test's artifact folder.
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

/* ------------------------------------------------------------ steps */

/* An administrator account in the shop's database, made by shopctl. */
function makeAdmin(who) {
	const p = spawnSync(path.join(process.env.SHOP_BUILD ||
	    path.join(ROOT, "build"), "bin", "shopctl"),
	    ["user", "add", "--admin", who.email, who.name], {
		input: who.password + "\n",
		env: { ...process.env, SHOP_DATA_DIR: shop.data,
		    SHOP_INSECURE_FAST_PWHASH: "1" },
		encoding: "utf8",
	});
	if (p.status !== 0)
		throw new Error(`shopctl user add: ${p.status}: ${p.stderr}`);
}

/* Sign in at the log-in page, sent on to next. */
async function signInTo(page, who, next) {
	await page.goto(`/account/login?next=${encodeURIComponent(next)}`);
	await expectText(page.getByRole("heading", { level: 1 }), "Sign in");
	await page.getByLabel("Email", { exact: true }).fill(who.email);
	await page.getByLabel("Password", { exact: true }).fill(who.password);
	await Promise.all([
		page.waitForURL((u) => u.pathname === next),
		page.getByRole("button", { name: "Sign in" }).click(),
	]);
}

/* The part of the page under the heading named name. */
function sectionOf(page, name) {
	return page.locator("section").filter({
		has: page.getByRole("heading", { name, exact: true }),
	}).last();
}

/* Submit a back-office form and land on where it sends the browser. */
async function submitTo(page, button, url) {
	await Promise.all([
		page.waitForURL(url),
		button.click(),
	]);
}

/* Open a product page and add qty of its only variant to the cart. */
async function addToCart(page, slug, name, qty) {
	await page.goto(`/products/${slug}`);
	await expectText(page.getByRole("heading", { level: 1 }), name);
	await page.getByLabel("Quantity", { exact: true }).fill(String(qty));
	await Promise.all([
		page.waitForURL(/\/cart(\?notice=added)?$/),
		page.getByRole("button", { name: "Add to cart" }).click(),
	]);
}

/* The cart's discount form: give code, and land on the cart again. */
async function applyCode(page, code) {
	await page.getByLabel("Discount code").fill(code);
	const [resp] = await Promise.all([
		page.waitForResponse((r) => r.request().isNavigationRequest() &&
		    r.status() !== 303),
		page.getByRole("button", { name: "Apply" }).click(),
	]);
	await page.waitForLoadState("load");
	return resp.status();
}

/* From the cart to the checkout form, the address filled in. */
async function fillCheckout(page, who = CUSTOMER) {
	await Promise.all([
		page.waitForURL(/\/checkout$/),
		page.getByRole("link", { name: "Check out" }).click(),
	]);
	await expectText(page.getByRole("heading", { level: 1 }), "Checkout");
	await page.getByLabel("Email", { exact: true }).fill(who.email);
	await page.getByLabel("Full name", { exact: true }).fill(who.name);
	await page.getByLabel("Address", { exact: true }).fill(who.line1);
	await page.getByLabel("City", { exact: true }).fill(who.city);
	await page.getByLabel("Postcode", { exact: true }).fill(who.postcode);
	await page.getByLabel("Country", { exact: true })
	    .selectOption({ label: who.country });
}

/* "Update the summary": the checkout page again for what is chosen. */
async function updateSummary(page) {
	await Promise.all([
		page.waitForURL(/\/checkout\?/),
		page.getByRole("button",
		    { name: "Update the summary for this country and shipping" })
		    .click(),
	]);
}

/* Place the order: the gateway's hosted page, "Pay €N". */
async function placeOrder(page) {
	const button = page.getByRole("button", { name: /^Place order and pay / });
	const total = (await textOf(button)).replace(/^Place order and pay /, "");

	await Promise.all([
		page.waitForURL((u) => u.href.startsWith(shop.gateway + "/c/pay/")),
		button.click(),
	]);
	await expectText(page.getByRole("heading", { level: 1 }),
	    `Pay ${total}`);
	return total;
}

/*
 * Click what loads the page at the same address again (a form posted to
 * itself, a "check again" link) and wait for the new document; returns
 * the HTTP status it came with.
 */
async function clickAndReload(page, locator) {
	const url = page.url().split("?")[0];
	const [resp] = await Promise.all([
		page.waitForResponse((r) => r.request().isNavigationRequest() &&
		    r.url().split("?")[0] === url),
		locator.click(),
	]);
	await page.waitForLoadState("load");
	return resp.status();
}

/*
 * Fill the hosted payment page with a card and submit it: to the shop's
 * order page, or (landOnShop false) back to the payment page, whose
 * status is returned.
 */
async function payWith(page, card, { landOnShop = true } = {}) {
	await page.getByLabel("Card number").fill(card);
	await page.getByLabel("Expiry date (MM / YY)").fill("12 / 34");
	await page.getByLabel("Security code (CVC)").fill("123");
	const pay = page.getByRole("button", { name: /^Pay / });
	if (!landOnShop)
		return clickAndReload(page, pay);
	await Promise.all([
		page.waitForURL(/\/orders\/[A-Za-z0-9_-]{32}$/),
		pay.click(),
	]);
	expectEqual(new URL(page.url()).origin, shop.shop, "order page origin");
}

/* Pay on the gateway's hosted page, to the shop's order page. */
async function payWith(page, card) {
	await page.getByLabel("Card number").fill(card);
	await page.getByLabel("Expiry date (MM / YY)").fill("12 / 34");
	await page.getByLabel("Security code (CVC)").fill("123");
	await Promise.all([
		page.waitForURL(/\/orders\/[A-Za-z0-9_-]{32}$/),
		page.getByRole("button", { name: /^Pay / }).click(),
	]);
	expectEqual(new URL(page.url()).origin, shop.shop, "order page origin");
}

/* The order page's status line, a live region. */
function orderStatus(page) {
	return page.getByRole("status").and(page.locator(".order-state"));
}

/* ------------------------------------------------------------ tests */

const tests = [];

function test(name, fn) {
	tests.push({ name, fn });
}

test("ten_percent_code_and_eu_zone", async (t) => {
	makeAdmin(ADMIN);
	const a = await t.session("admin");
	const admin = await a.open();

	// A zone of EU countries, with a method of its own.
	await signInTo(admin, ADMIN, "/admin/shipping");
	await expectText(admin.getByRole("heading", { level: 1 }), "Shipping");
	const zone = sectionOf(admin, "New zone");
	await zone.getByLabel("Name", { exact: true }).fill("Eurozone");
	for (const country of ["France", "Germany", "Italy", "Spain"])
		await zone.getByLabel(country, { exact: true }).check();
	await t.shot(admin, "new-zone");
	await submitTo(admin, zone.getByRole("button",
	    { name: "Create the zone" }), /\/admin\/shipping\?done=created$/);
	await expectText(admin.locator(".notice-ok, .notice").first(),
	    "Created.");
	await expectText(sectionOf(admin, "Eurozone").locator("p").first(),
	    "DE ES FR IT");
	const method = sectionOf(admin, "New method");
	await method.getByLabel("Code", { exact: true }).fill("eu-post");
	await method.getByLabel("Name", { exact: true }).fill("EU Post");
	await method.getByLabel("Price", { exact: true }).fill("3.00");
	await method.getByLabel("Eurozone", { exact: true }).check();
	await submitTo(admin, method.getByRole("button",
	    { name: "Create the method" }), /\/admin\/shipping\?done=created$/);
	await expectText(admin.getByRole("heading", { level: 3, name: /^EU Post/ }),
	    "EU Post eu-post, €3.00");
	await t.shot(admin, "shipping");

	// A 10% code.
	await admin.goto("/admin/discounts");
	await expectText(admin.getByRole("heading", { level: 1 }),
	    "Discount codes");
	const form = sectionOf(admin, "New discount code");
	await form.getByLabel("Code", { exact: true }).fill("WELCOME10");
	await form.getByLabel("Kind", { exact: true }).selectOption("percent");
	await form.getByLabel("Value").fill("10");
	await submitTo(admin, form.getByRole("button",
	    { name: "Create the code" }), /\/admin\/discounts\?done=created$/);
	await expectText(admin.locator("table.admin-table tbody tr"),
	    /^WELCOME10 10% off\s+0 Yes$/);
	await t.shot(admin, "discounts");

	// A customer buys with it.
	const b = await t.session("buyer");
	const page = await b.open();
	await addToCart(page, "recipe-journal", "Recipe Journal", 2);
	await expectText(page.locator("table.cart-lines tfoot"),
	    "Subtotal (2 items) €48.00");
	expectEqual(await applyCode(page, "welcome10"), 200, "apply status");
	expectEqual(new URL(page.url()).search, "?notice=discount",
	    "back on the cart");
	await expectText(page.locator("tr.cart-discount"),
	    "Discount WELCOME10 (10% off) −€4.80");
	await expectText(page.locator("table.cart-lines tfoot"),
	    /After the discount €43\.20$/);
	await t.shot(page, "cart");

	await fillCheckout(page);
	expectEqual(await page.getByLabel("Discount code")
	    .inputValue(), "WELCOME10", "code carried to checkout");
	// France is in the seed's EU zone and in the new one.
	const offered = await page.locator(".shipping-methods .choice-name")
	    .allInnerTexts();
	expectEqual(offered.join(" | "), "Standard (3-5 days) | Express " +
	    "(next day) | EU Post", "methods offered to France");
	await page.getByRole("radio", { name: /^EU Post/ }).check();
	await updateSummary(page);
	await expectText(page.locator(".order-summary tr.discount"),
	    "Discount WELCOME10 (10% off) −€4.80");
	await expectText(page.locator(".order-summary tr.total"),
	    "Total €46.20");
	await t.shot(page, "checkout");

	const total = await placeOrder(page);
	expectEqual(total, "€46.20", "total to pay: 48.00 - 4.80 + 3.00");
	await t.shot(page, "gateway");
	await payWith(page, CARD_OK);
	await expectText(orderStatus(page), "Status: Paid");
	await expectText(page.locator(".notice-ok"), "Thank you: your " +
	    `payment of €46.20 is received. A confirmation is on its way to ` +
	    `${CUSTOMER.email}.`);
	await expectText(page.locator("tr.discount"), "Discount WELCOME10 " +
	    "−€4.80");
	await t.shot(page, "paid");

	// The back office counts the use.
	await admin.goto("/admin/discounts");
	await expectText(admin.locator("table.admin-table tbody tr"),
	    /^WELCOME10 10% off\s+1 Yes$/);
});

test("bad_codes", async (t) => {
	// The refused forms answer 422, which Chromium logs.
	t.allowed.push(/status of 422/);
	const b = await t.session("buyer");
	const page = await b.open();
	await addToCart(page, "recipe-journal", "Recipe Journal", 1);
	expectEqual(await applyCode(page, "NOPE-CODE"), 422, "unknown code");
	await expectText(page.locator(".field-error"),
	    "There is no such discount code.");
	expectEqual(await page.getByLabel("Discount code")
	    .getAttribute("aria-invalid"), "true", "the field is marked");
	await t.shot(page, "unknown-code");

	// At checkout the code is checked again, with the order's email.
	await page.goto("/cart");
	await fillCheckout(page);
	await page.getByLabel("Discount code").fill("NOPE");
	await page.getByRole("radio", { name: /^Standard/ }).check();
	const status = await clickAndReload(page, page.getByRole("button",
	    { name: /^Place order and pay / }));
	expectEqual(status, 422, "checkout with a bad code");
	await expectText(page.locator(".discount-code .field-error"),
	    "There is no such discount code.");
	await t.shot(page, "checkout-bad-code");
});

/* ------------------------------------------------------------ runner */

function startShop() {
	return new Promise((resolve, reject) => {
		const env = spawn(process.env.PYTHON || "python3",
		    [path.join(__dirname, "env.py")],
		    { stdio: ["pipe", "pipe", "inherit"] });
		const lines = readline.createInterface({ input: env.stdout });

		env.on("exit", (code) => reject(new Error(`env.py exited ${code}`)));
		lines.once("line", (line) => {
			shop = JSON.parse(line);
			shop.process = env;
			resolve();
		});
	});
}

function stopShop() {
	if (!shop || !shop.process || shop.process.exitCode !== null)
		return Promise.resolve();
	return new Promise((resolve) => {
		shop.process.once("exit", resolve);
		shop.process.stdin.end();
	});
}

async function runTest(tc) {
	const dir = path.join(ARTIFACTS, tc.name);
	const sessions = [];
	let step = 0;
	const t = {
		problems: [],
		allowed: [],
		async session(name, options) {
			const s = new Session(t, name, options);
			sessions.push(s);
			return s;
		},
		async shot(page, label) {
			const file = path.join(dir,
			    `${String(++step).padStart(2, "0")}-${label}.png`);
			await page.screenshot({ path: file, fullPage: true });
			t.shots.push(file);
		},
		shots: [],
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

async function main() {
	const only = new Set(process.argv.slice(2));
	const chosen = tests.filter((tc) => !only.size || only.has(tc.name));
	let passed = 0, failed = 0;

	if (only.size && chosen.length !== only.size) {
		console.error(`unknown test among: ${[...only].join(" ")}`);
		process.exit(2);
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

main().catch(async (e) => {
	console.log(`error: ${e.stack || e}`);
	if (browser)
		await browser.close().catch(() => {});
	await stopShop().catch(() => {});
	console.log("0 passed, 1 failed");
	process.exit(1);
});

/*
 * Shopfile's trust content in Debian's Chromium, driven by playwright-core,
 * at a phone's width (390 px) and a desktop's (1280 px): the shop's own
 * pages reached from the footer (about, shipping, returns, privacy,
 * terms, contact, legal notice) with the accepted payment methods; the
 * product page's tax line and its gallery (the picture loaded at once,
 * thumbnails below it lazily, every image sized, each opening its
 * picture); "Notify me" on a sold-out product, confirmed, then mailed by
 * shop-worker when the back office puts it back in stock; and a page
 * edited in the back office, previewed, saved and shown.
 *
 *   node tests/browser/content.test.js [test-name...]
 *
 * The harness is shop.test.js's: tests/browser/env.py starts the shop
 * (here with the demo store's galleries, SHOP_SEED_GALLERY=1), each test
 * prints "ok NAME (Ns)" or "FAIL NAME", the last line is "N passed, N
 * failed", and screenshots of every page at both widths go to
 * build/test-artifacts/browser/NAME/. A console message about the
 * Content Security Policy, any other console error or an uncaught
 * JavaScript error fails the test it happens in.
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
const SHOPCTL = path.join(ROOT, "build", "test", "bin", "shopctl");
const CHROMIUM_ARGS = [
	"--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
	"--disable-background-networking", "--disable-component-update",
	"--disable-sync", "--disable-default-apps", "--disable-extensions",
	"--no-default-browser-check", "--metrics-recording-only",
	"--password-store=basic",
];
const STEP_TIMEOUT = 10000;	/* ms: one click, one navigation */
const LIVE_TIMEOUT = 15000;	/* ms: a mail to arrive */
const TEST_TIMEOUT = 90000;	/* ms: a whole test */

/* The two widths every page is seen at. */
const WIDTHS = [
	{ name: "phone", viewport: { width: 390, height: 844 } },
	{ name: "desktop", viewport: { width: 1280, height: 800 } },
];

const PAGES = [
	["about", "About us"],
	["shipping", "Shipping"],
	["returns", "Returns and refunds"],
	["privacy", "Privacy"],
	["terms", "Terms of sale"],
	["contact", "Contact"],
	["legal-notice", "Legal notice"],
];

const ADMIN = { email: "pages@example.test", password: "Quartz-Otter-Lantern-93" };

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

/* Whether the page scrolls sideways: its width beyond the viewport's. */
async function expectNoSidewaysScroll(page, what) {
	const over = await page.evaluate(() =>
	    document.documentElement.scrollWidth - window.innerWidth);
	if (over > 0)
		throw new Error(`${what}: ${over} px wider than the viewport`);
}

/* The footer's link list under its heading, as link texts. */
async function footerLinks(page, label) {
	return page.locator(`footer nav[aria-label="${label}"] a`)
	    .allInnerTexts();
}

/* A shopctl command on the shop's data directory; its stdout. */
function shopctl(args, input) {
	const p = spawnSync(SHOPCTL, ["-q", ...args], {
		input: input || "",
		env: { ...process.env, SHOP_DATA_DIR: shop.data },
		encoding: "utf8",
	});
	if (p.status !== 0)
		throw new Error(`shopctl ${args.join(" ")}: ${p.stderr}`);
	return p.stdout;
}

/* The administrator's account, made once. */
let adminMade = false;
function adminAccount() {
	if (!adminMade)
		shopctl(["user", "add", "--admin", ADMIN.email, "Page Editor"],
		    ADMIN.password + "\n");
	adminMade = true;
}

/* Sign in as the administrator, to the back office's dashboard. */
async function adminSignIn(page) {
	adminAccount();
	await page.goto("/account/login?next=%2Fadmin");
	await page.getByLabel("Email", { exact: true }).fill(ADMIN.email);
	await page.getByLabel("Password", { exact: true }).fill(ADMIN.password);
	await Promise.all([
		page.waitForURL(/\/admin\?notice=signed_in$/),
		page.getByRole("button", { name: "Sign in" }).click(),
	]);
}

/* Every <img> of the page: its attributes, and whether it loaded. */
async function images(page, selector) {
	return page.locator(selector).evaluateAll((imgs) => imgs.map((i) => ({
		src: i.getAttribute("src"),
		width: i.getAttribute("width"),
		height: i.getAttribute("height"),
		loading: i.getAttribute("loading"),
		srcset: i.getAttribute("srcset"),
		sizes: i.getAttribute("sizes"),
		alt: i.getAttribute("alt"),
		complete: i.complete,
		natural: i.naturalWidth,
		box: [i.getBoundingClientRect().width,
		    i.getBoundingClientRect().height],
	})));
}

/* ------------------------------------------------------------ mail */

/* The .eml files shop-worker has written to <data>/mail/ so far. */
function mailFiles() {
	try {
		return fs.readdirSync(path.join(shop.data, "mail"))
		    .filter((f) => f.endsWith(".eml"));
	} catch (e) {
		if (e.code === "ENOENT")
			return [];
		throw e;
	}
}

/* Quoted-printable (RFC 2045, 6.7) to text. */
function unQuotedPrintable(s) {
	const bytes = Buffer.from(s.replace(/=\r?\n/g, ""), "latin1");
	const out = [];
	for (let i = 0; i < bytes.length; i++) {
		if (bytes[i] === 0x3d && i + 2 < bytes.length) {
			out.push(parseInt(bytes.toString("latin1", i + 1, i + 3),
			    16));
			i += 2;
		} else
			out.push(bytes[i]);
	}
	return Buffer.from(out).toString("utf8");
}

/*
 * The text part of a message as shop-worker writes it (lib/ext/mail.c): text
 * in quoted-printable, alone or first in a multipart/alternative.
 */
function mailText(raw, file) {
	const part = "Content-Type: text/plain; charset=utf-8\r\n" +
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n";
	const start = raw.indexOf(part);

	if (start < 0)
		throw new Error(`${file}: no text part`);
	// "=" is "=3D" in the part, so "--=_" can only be the boundary.
	const text = raw.slice(start + part.length);
	const end = text.indexOf("\r\n--=_");
	return unQuotedPrintable(end < 0 ? text : text.slice(0, end));
}

/*
 * Wait for a mail to address (with a name, "Name <address>", or alone)
 * that is not among the files in before (a mailFiles() list); its
 * subject and text. The worker renames each file
 * into place once written, so a file seen is whole.
 */
async function waitForMail(address, before, timeout = LIVE_TIMEOUT) {
	const dir = path.join(shop.data, "mail");
	const end = Date.now() + timeout;

	for (;;) {
		for (const f of mailFiles()) {
			if (before.includes(f))
				continue;
			const raw = fs.readFileSync(path.join(dir, f), "utf8");
			const head = raw.slice(0, raw.indexOf("\r\n\r\n"));
			const to = /^To: (.*)$/m.exec(head);
			if (!to || (to[1] !== address &&
			    !to[1].endsWith(`<${address}>`)))
				continue;
			return {
				file: f,
				subject: /^Subject: (.*)$/m.exec(head)[1],
				text: mailText(raw, f),
			};
		}
		if (Date.now() > end)
			throw new Error(`no mail to ${address} in ${dir} ` +
			    `after ${timeout} ms`);
		await sleep(50);
	}
}

/* ------------------------------------------------------------ tests */

const tests = [];

function test(name, fn) {
	tests.push({ name, fn });
}

test("content-pages", async (t) => {
	for (const w of WIDTHS) {
		const s = await t.session(w.name, { viewport: w.viewport });
		const page = await s.open();

		await page.goto("/");
		const footer = page.locator("footer.site-footer");
		expectEqual((await footerLinks(page, "Help")).join(" | "),
		    "Shipping | Returns and refunds | Contact", "Help links");
		expectEqual((await footerLinks(page, "About the shop"))
		    .join(" | "), "About us | Terms of sale | Privacy | " +
		    "Legal notice", "About links");
		await expectText(footer.locator(".payment-methods"),
		    "Visa Mastercard American Express");
		await footer.scrollIntoViewIfNeeded();
		await t.shot(page, `${w.name}-footer`);
		for (const [slug, title] of PAGES) {
			await page.goto("/");
			await Promise.all([
				page.waitForURL(new RegExp(`/pages/${slug}$`)),
				page.locator(`footer a[href="/pages/${slug}"]`)
				    .click(),
			]);
			await expectText(page.getByRole("heading",
			    { level: 1 }), title);
			expectEqual(await page.title(), `${title} · Shopfile`,
			    `${slug} title`);
			await expectText(page.locator(".content-updated"),
			    /^Last updated \d{4}-\d{2}-\d{2}\.$/);
			await expectNoSidewaysScroll(page, `${slug} at ` +
			    `${w.viewport.width}`);
			await t.shot(page, `${w.name}-${slug}`);
		}
		await expectText(page.locator(".content-body h2").first(),
		    "Publisher");
		await page.goto("/pages/shipping");
		await expectText(page.locator(".content-body h2").first(),
		    "Costs and times");
		t.allowed.push(/status of 404 \(Not Found\)/);
		const resp = await page.goto("/pages/nope");
		expectEqual(resp.status(), 404, "an unknown page");
		await t.shot(page, `${w.name}-unknown-page`);
	}
});

test("product-gallery", async (t) => {
	for (const w of WIDTHS) {
		const s = await t.session(w.name, { viewport: w.viewport });
		const page = await s.open();

		await page.goto("/products/stoneware-mug");
		await expectText(page.getByRole("heading", { level: 1 }),
		    "Stoneware Mug");
		await expectText(page.locator(".tax-note"),
		    "VAT included. Shipping calculated at checkout.");
		const main = await images(page, ".product-media > img, " +
		    ".product-media > picture img");
		expectEqual(main.length, 1, "the product's picture");
		expectEqual(main[0].loading, null, "the picture loads at once");
		expectEqual([main[0].width, main[0].height].join("x"),
		    "600x600", "the picture's size");
		const thumbs = await images(page, ".product-gallery img");
		expectEqual(thumbs.length, 2, "thumbnails");
		for (const th of thumbs) {
			expectEqual(th.loading, "lazy", `${th.src} loading`);
			expectEqual([th.width, th.height].join("x"), "640x640",
			    `${th.src} size`);
			expectMatch(th.srcset, /-320\.jpg 320w, .*-640\.jpg 640w$/,
			    `${th.src} srcset`);
			expectEqual(th.sizes, "(min-width: 48rem) 11rem, 30vw",
			    `${th.src} sizes`);
			expectMatch(th.alt, /^Illustration of the Stoneware Mug, /,
			    `${th.src} alt`);
			// Square boxes before and after loading: no shift.
			expectEqual(Math.round(th.box[0]), Math.round(th.box[1]),
			    `${th.src} box`);
		}
		await expectNoSidewaysScroll(page, "product page");
		await page.locator(".product-gallery").scrollIntoViewIfNeeded();
		await page.waitForFunction(() => [...document.querySelectorAll(
		    ".product-gallery img")].every((i) => i.complete &&
		    i.naturalWidth > 0));
		await t.shot(page, `${w.name}-product`);
		// Each thumbnail links to its picture at full size (fetched, not
		// opened: Chromium's own image viewer styles itself inline,
		// which the media's CSP refuses).
		for (const href of await page.locator(".gallery-link")
		    .evaluateAll((as) => as.map((a) => a.getAttribute("href")))) {
			expectMatch(href, /^\/media\/products\/seed-p\d\d-\d-640\.jpg$/,
			    "a thumbnail's link");
			const resp = await page.request.get(href);
			expectEqual(resp.status(), 200, `${href}`);
			expectEqual(resp.headers()["content-type"], "image/jpeg",
			    `${href} type`);
		}
	}
});

test("notify-me", async (t) => {
	const s = await t.session("phone", { viewport: WIDTHS[0].viewport });
	const page = await s.open();

	// The Enamel Camp Mug is sold out in the demo store.
	await page.goto("/products/enamel-camp-mug");
	await expectText(page.locator(".stock").first(), "Sold out");
	const form = page.locator("form.notify-me");
	await expectText(form.getByRole("heading"), "Email me when it is back");
	await t.shot(page, "phone-sold-out");
	// The browser's own check first: an address is required.
	await form.getByRole("button", { name: "Notify me" }).click();
	expectEqual(page.url(), `${shop.shop}/products/enamel-camp-mug`,
	    "not sent without an address");
	await form.getByLabel("Email").fill("Grace@Example.test");
	await Promise.all([
		page.waitForURL(/\/products\/enamel-camp-mug\/notify\?sent=1$/),
		form.getByRole("button", { name: "Notify me" }).click(),
	]);
	await expectText(page.getByRole("heading", { level: 1 }), "Thank you");
	await expectText(page.getByRole("status"), "We will email you once " +
	    "when Enamel Camp Mug is back in stock.");
	await expectNoSidewaysScroll(page, "confirmation");
	await t.shot(page, "phone-confirmed");

	// At the desktop's width, the same again: the same answer.
	const d = await t.session("desktop", { viewport: WIDTHS[1].viewport });
	const dp = await d.open();
	await dp.goto("/products/enamel-camp-mug");
	await dp.locator("form.notify-me").getByLabel("Email")
	    .fill("grace@example.test");
	await Promise.all([
		dp.waitForURL(/\/notify\?sent=1$/),
		dp.getByRole("button", { name: "Notify me" }).click(),
	]);
	await expectText(dp.getByRole("status"), "We will email you once " +
	    "when Enamel Camp Mug is back in stock.");
	await t.shot(dp, "desktop-confirmed");

	// The back office puts it back in stock: one mail.
	const before = mailFiles();
	await adminSignIn(dp);
	await dp.goto("/admin/products?q=Enamel+Camp+Mug");
	await Promise.all([
		dp.waitForURL(/\/admin\/products\/\d+$/),
		dp.getByRole("link", { name: "Enamel Camp Mug" }).first().click(),
	]);
	const stock = dp.locator("form[action$='/stock']").first();
	await stock.getByLabel("Change").selectOption("delta");
	await stock.getByLabel("Units").fill("5");
	await stock.getByLabel("Reason").fill("delivery");
	await Promise.all([
		dp.waitForURL(/done=stock$/),
		stock.getByRole("button").click(),
	]);
	await t.shot(dp, "desktop-restocked");
	const mail = await waitForMail("grace@example.test", before);
	expectEqual(mail.subject, "Enamel Camp Mug is back in stock",
	    "the mail's subject");
	expectMatch(mail.text, new RegExp(shop.shop.replace(/\./g, "\\.") +
	    "/products/enamel-camp-mug"), "the mail's link");
	await sleep(500);
	const more = mailFiles().filter((f) => !before.includes(f) &&
	    fs.readFileSync(path.join(shop.data, "mail", f), "utf8")
	    .includes("back in stock"));
	expectEqual(more.length, 1, "mails sent");
	// In stock now: no form.
	await page.goto("/products/enamel-camp-mug");
	expectEqual(await page.locator("form.notify-me").count(), 0,
	    "the form once it is in stock");
	await t.shot(page, "phone-back-in-stock");
});

test("edit-a-page", async (t) => {
	for (const w of WIDTHS) {
		const s = await t.session(w.name, { viewport: w.viewport });
		const page = await s.open();

		await adminSignIn(page);
		await Promise.all([
			page.waitForURL(/\/admin\/pages$/),
			page.getByRole("link", { name: "Pages", exact: true })
			    .click(),
		]);
		await t.shot(page, `${w.name}-pages`);
		await Promise.all([
			page.waitForURL(/\/admin\/pages\/contact$/),
			page.getByRole("link", { name: "Contact", exact: true })
			    .click(),
		]);
		const text = `We answer within a day (${w.name}).\n\n` +
		    "## Visit\n\nOpen **Monday to Friday**.";
		await page.getByLabel("Text").fill(text);
		await clickAndWait(page, page.getByRole("button",
		    { name: "Preview" }));
		await expectText(page.locator("#preview-title"),
		    "Preview: not saved yet");
		await expectText(page.locator(".admin-preview .content-body " +
		    "strong"), "Monday to Friday");
		await t.shot(page, `${w.name}-preview`);
		await Promise.all([
			page.waitForURL(/\/admin\/pages\/contact\?done=saved$/),
			page.getByRole("button", { name: "Save the page" }).click(),
		]);
		await expectText(page.locator(".notice-ok"), "Saved.");
		await page.goto("/pages/contact");
		await expectText(page.locator(".content-body p").first(),
		    `We answer within a day (${w.name}).`);
		await expectText(page.locator(".content-body h2"), "Visit");
		await t.shot(page, `${w.name}-saved`);
	}
});

/* Click what posts the page to itself and wait for the new document. */
async function clickAndWait(page, locator) {
	await Promise.all([
		page.waitForEvent("load"),
		locator.click(),
	]);
}

/* ------------------------------------------------------------ runner */

function startShop() {
	return new Promise((resolve, reject) => {
		const env = spawn(process.env.PYTHON || "python3",
		    [path.join(__dirname, "env.py")],
		    { stdio: ["pipe", "pipe", "inherit"],
		      env: { ...process.env, SHOP_SEED_GALLERY: "1" } });
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

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
 * It runs on tests/browser/lib.js as the other files do, the shop
 * started with the demo store's galleries (SHOP_SEED_GALLERY=1); every
 * storefront page it visits is checked with axe-core and kept as
 * build/test-artifacts/browser/<name>-<width>.png.
 */
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const {
	shop, sleep, expectText, expectEqual, expectMatch, expectNoSideScroll,
	shopctl, test, main,
} = require("./lib");
const { mailFiles, waitForMail } = require("./steps");

/* The demo store's products with their galleries (tests/browser/env.py). */
process.env.SHOP_SEED_GALLERY = "1";

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

/* ------------------------------------------------------------ steps */

/* The footer's link list under its heading, as link texts. */
async function footerLinks(page, label) {
	return page.locator(`footer nav[aria-label="${label}"] a`)
	    .allInnerTexts();
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

/* ------------------------------------------------------------ tests */

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
			await expectNoSideScroll(page, `${slug} at ` +
			    `${w.viewport.width}`);
			await t.check(page, `page-${slug}`);
		}
		await expectText(page.locator(".content-body h2").first(),
		    "Publisher");
		await page.goto("/pages/shipping");
		await expectText(page.locator(".content-body h2").first(),
		    "Costs and times");
		t.allowed.push(/status of 404 \(Not Found\)/);
		const resp = await page.goto("/pages/nope");
		expectEqual(resp.status(), 404, "an unknown page");
		await t.check(page, "page-unknown");
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
		await expectNoSideScroll(page, "product page");
		await page.locator(".product-gallery").scrollIntoViewIfNeeded();
		await page.waitForFunction(() => [...document.querySelectorAll(
		    ".product-gallery img")].every((i) => i.complete &&
		    i.naturalWidth > 0));
		await t.check(page, "product-gallery");
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
	await t.check(page, "product-sold-out");
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
	await expectNoSideScroll(page, "confirmation");
	await t.check(page, "notify-confirmed");

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
	await t.check(dp, "notify-confirmed");

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
	await t.check(page, "product-back-in-stock");
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
		await t.check(page, "admin-pages");
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
		await t.check(page, "admin-page-preview");
		await Promise.all([
			page.waitForURL(/\/admin\/pages\/contact\?done=saved$/),
			page.getByRole("button", { name: "Save the page" }).click(),
		]);
		await expectText(page.locator(".notice-ok"), "Saved.");
		await page.goto("/pages/contact");
		await expectText(page.locator(".content-body p").first(),
		    `We answer within a day (${w.name}).`);
		await expectText(page.locator(".content-body h2"), "Visit");
		await t.check(page, "page-contact-saved");
	}
});

/* Click what posts the page to itself and wait for the new document. */
async function clickAndWait(page, locator) {
	await Promise.all([
		page.waitForEvent("load"),
		locator.click(),
	]);
}

main();

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
 * It runs on tests/browser/lib.js (the shop, watched pages, the runner)
 * and tests/browser/steps.js (the purchase), as the other files do; the
 * summary follows the shipping method without a reload (static/
 * checkout.js).
 */
"use strict";

const {
	shop, expectText, expectEqual, shopctl, test, main,
} = require("./lib");
const {
	CARD_OK, openProduct, addToCart, fillCheckout, placeOrder,
	clickAndReload, payWith, orderStatus,
} = require("./steps");

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
	shipping: /^Standard/,
};

/* ------------------------------------------------------------ steps */

/* An administrator account in the shop's database, made by shopctl. */
function makeAdmin(who) {
	shopctl(["user", "add", "--admin", who.email, who.name],
	    who.password + "\n");
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

/* ------------------------------------------------------------ tests */

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
	await t.check(admin, "admin-shipping");

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
	await t.check(admin, "admin-discounts");

	// A customer buys with it.
	const b = await t.session("buyer");
	const page = await b.open();
	await openProduct(page, "recipe-journal", "Recipe Journal");
	await addToCart(page, null, 2);
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

	await fillCheckout(page, CUSTOMER);
	expectEqual(await page.getByLabel("Discount code")
	    .inputValue(), "WELCOME10", "code carried to checkout");
	// France is in the seed's EU zone and in the new one.
	const offered = await page.locator(".shipping-methods .choice-name")
	    .allInnerTexts();
	expectEqual(offered.join(" | "), "Standard (3-5 days) | Express " +
	    "(next day) | EU Post", "methods offered to France");
	// The summary follows the method chosen, without a reload.
	await page.getByRole("radio", { name: /^EU Post/ }).check();
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
	await openProduct(page, "recipe-journal", "Recipe Journal");
	await addToCart(page, null, 1);
	expectEqual(await applyCode(page, "NOPE-CODE"), 422, "unknown code");
	await expectText(page.locator(".field-error"),
	    "There is no such discount code.");
	expectEqual(await page.getByLabel("Discount code")
	    .getAttribute("aria-invalid"), "true", "the field is marked");
	await t.shot(page, "unknown-code");

	// At checkout the code is checked again, with the order's email.
	await page.goto("/cart");
	await fillCheckout(page, CUSTOMER);
	await page.getByLabel("Discount code").fill("NOPE");
	const status = await clickAndReload(page, page.getByRole("button",
	    { name: /^Place order and pay / }));
	expectEqual(status, 422, "checkout with a bad code");
	await expectText(page.locator(".discount-code .field-error"),
	    "There is no such discount code.");
	await t.shot(page, "checkout-bad-code");
});

main();

/*
 * The steps of a purchase every browser test file takes: a product page,
 * the cart, the checkout form filled in by its labels, the gateway's
 * hosted payment page and the shop's order page it returns to.
 */
"use strict";

const { shop, textOf, expectText, expectEqual } = require("./lib");

const CARD_OK = "4242 4242 4242 4242";
const CARD_ASYNC_OK = "4000 0000 0000 2503";
const CARD_DECLINED = "4000 0000 0000 0002";

const CUSTOMER = {
	email: "ada@example.test",
	name: "Ada Lovelace",
	line1: "12 Rue des Lilas",
	city: "Paris",
	postcode: "75011",
	country: "France",
	shipping: /^Standard \(3-5 days\)/,
};

/* ------------------------------------------------------------ steps */

/* Open a product page from the catalog and check its heading. */
async function openProduct(page, slug, name) {
	await page.goto(`/products/${slug}`);
	await expectText(page.getByRole("heading", { level: 1 }), name);
}

/* Choose a variant (its label starts with title) and add qty to the cart. */
async function addToCart(page, variant, qty = 1) {
	if (variant)
		await page.getByRole("radio", {
			name: new RegExp(`^${variant} `),
		}).check();
	await page.getByLabel("Quantity", { exact: true }).fill(String(qty));
	await Promise.all([
		page.waitForURL(/\/cart(\?notice=added)?$/),
		page.getByRole("button", { name: "Add to cart" }).click(),
	]);
}

/* From the cart page, to the checkout form filled in by its labels. */
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
	await page.getByRole("radio", { name: who.shipping }).check();
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

/* The order page's status line, a live region. */
function orderStatus(page) {
	return page.getByRole("status").and(page.locator(".order-state"));
}


module.exports = {
	CARD_OK, CARD_ASYNC_OK, CARD_DECLINED, CUSTOMER,
	openProduct, addToCart, fillCheckout, placeOrder, clickAndReload,
	payWith, orderStatus,
};

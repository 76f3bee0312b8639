/*
 * Shopfile in Debian's Chromium, driven by playwright-core: a purchase from
 * the home page to a paid order, the order status and a product's stock
 * line changing without a reload (static/live.js over server-sent events),
 * a checkout form with mistakes, a declined card, paying after leaving the
 * payment page, and the whole purchase with JavaScript off. Then the
 * customer's account: signing up, out and in again with the guest cart
 * merged into the account's, the address book and the checkout form it
 * fills in, sign-up and log-in forms with mistakes, and a password reset
 * by the link in the mail shop-worker writes to <data>/mail/.
 *
 *   node tests/browser/shop.test.js [test-name...]
 *
 * It starts the shop with tests/browser/env.py (gateway, lighttpd,
 * shop-worker on free ports) through tests/browser/lib.js, prints "ok NAME
 * (Ns)" or "FAIL NAME" per test and ends with "N passed, N failed".
 * Screenshots of every step go to build/test-artifacts/browser/NAME/
 * (SHOP_ARTIFACTS to change); pages the purchase goes through are checked
 * with axe-core.
 *
 * Every page is watched: a console message about the Content Security
 * Policy, any other console error, or an uncaught JavaScript error fails
 * the test it happens in.
 */
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const {
	LIVE_TIMEOUT, shop, sleep, textOf, expectText, expectEqual, expectMatch,
	axeCheck, test, main,
} = require("./lib");
const {
	CARD_OK, CARD_ASYNC_OK, CARD_DECLINED, CUSTOMER, openProduct, addToCart,
	fillCheckout, placeOrder, clickAndReload, payWith, orderStatus,
	mailFiles, waitForMail,
} = require("./steps");

const WAITING = /^We are waiting for the payment service to confirm your payment\. /;

function thanks(total) {
	return `Thank you: your payment of ${total} is received. A ` +
	    `confirmation is on its way to ${CUSTOMER.email}.`;
}

/* ------------------------------------------------------------ accounts */

/* The header's link to the account: the customer's name, or "Sign in". */
function accountLink(page) {
	return page.locator(".site-nav a[href='/account']");
}

/*
 * The cart's lines as "Product Variant: quantity", sorted (the cart lists
 * lines by the second they were added, then by variant), joined by "; ".
 */
async function cartLines(page) {
	const lines = await page.locator("table.cart-lines tbody tr")
	    .evaluateAll((rows) => rows.map((tr) => {
		const qty = tr.querySelector("input[name=quantity]");
		return tr.querySelector("th a").innerText + " " +
		    tr.querySelector("th .variant-title").innerText + ": " +
		    (qty ? qty.value : "?");
	}));
	return lines.sort().join("; ");
}

/*
 * On the sign-up page, filled in: send it, then follow the link of the
 * mail it sends, as the owner of the address would, to the account page.
 */
async function finishSignUp(page, who) {
	const before = mailFiles();
	await Promise.all([
		page.waitForURL(/\/account\/signup\?notice=check_mail$/),
		page.getByRole("button", { name: "Create the account" }).click(),
	]);
	await expectText(page.locator(".notice-ok"), "Thank you. We have " +
	    "sent a mail to the address you gave: follow its link within a " +
	    "day to finish creating your account. If that address has an " +
	    "account already, the mail says so instead.");
	const mail = await waitForMail(who.email, before);
	expectEqual(mail.subject, "Finish creating your account at Shopfile",
	    "subject of the sign-up mail");
	const links = mail.text.match(/https?:\/\/\S+/g) || [];
	expectEqual(links.length, 1, "links in the sign-up mail");
	expectMatch(links[0], new RegExp("^" + shop.shop.replace(/\./g,
	    "\\.") + "/account/confirm\\?token=[A-Za-z0-9_-]{43}$"),
	    "link in the sign-up mail");
	await page.goto(links[0]);
	await expectText(page.getByRole("heading", { level: 1 }),
	    "Finish creating your account");
	await Promise.all([
		page.waitForURL(/\/account\?notice=welcome$/),
		page.getByRole("button", { name: "Create my account" }).click(),
	]);
}

/* From the header's "Sign in" to a new account: the account page. */
async function signUp(page, who) {
	await Promise.all([
		page.waitForURL(/\/account\/login\?next=%2Faccount$/),
		accountLink(page).click(),
	]);
	await Promise.all([
		page.waitForURL(/\/account\/signup$/),
		page.getByRole("link", { name: "Create an account" }).click(),
	]);
	await expectText(page.getByRole("heading", { level: 1 }),
	    "Create an account");
	await page.getByLabel("Name", { exact: true }).fill(who.name);
	await page.getByLabel("Email", { exact: true }).fill(who.email);
	await page.getByLabel("Password", { exact: true }).fill(who.password);
	await finishSignUp(page, who);
}

/* On the log-in page: sign in, to the account page. */
async function logIn(page, email, password) {
	await expectText(page.getByRole("heading", { level: 1 }), "Sign in");
	await page.getByLabel("Email", { exact: true }).fill(email);
	await page.getByLabel("Password", { exact: true }).fill(password);
	await Promise.all([
		page.waitForURL(/\/account\?notice=signed_in$/),
		page.getByRole("button", { name: "Sign in" }).click(),
	]);
	await expectText(page.locator(".notice-ok"), "You are signed in.");
}

/* From any page: the account page's "Sign out", to the log-in page. */
async function logOut(page) {
	await page.goto("/account");
	await Promise.all([
		page.waitForURL(/\/account\/login\?notice=signed_out$/),
		page.getByRole("button", { name: "Sign out" }).click(),
	]);
	await expectText(page.locator(".notice-ok"), "You are signed out.");
	await expectText(accountLink(page), "Sign in");
}

/*
 * The address book as the page shows it: one "name, line, ..., country"
 * per card, "default: " before the one marked as the default address.
 */
async function addressBook(page) {
	const cards = await page.locator(".address-list > li")
	    .evaluateAll((lis) => lis.map((li) =>
	    (li.querySelector(".badge-default") ? "default: " : "") +
	    li.querySelector("address").innerText.split("\n").join(", ")));
	return cards.join(" | ");
}

/* Fill the address form (a new or an edited address) and save it. */
async function saveAddress(page, ad, notice) {
	await page.getByLabel("Full name", { exact: true }).fill(ad.name);
	await page.getByLabel("Address", { exact: true }).fill(ad.line1);
	await page.getByLabel("Town or city", { exact: true }).fill(ad.city);
	await page.getByLabel("Postcode", { exact: true }).fill(ad.postcode);
	await page.getByLabel("Country", { exact: true })
	    .selectOption({ label: ad.country });
	await Promise.all([
		page.waitForURL((u) => u.pathname === "/account/addresses" &&
		    u.search === `?notice=${notice}`),
		page.getByRole("button", { name: "Save the address" }).click(),
	]);
}

/* Click a button of the address book, back to it with its notice. */
async function addressAction(page, name, notice, message) {
	await Promise.all([
		page.waitForURL((u) => u.pathname === "/account/addresses" &&
		    u.search === `?notice=${notice}`),
		page.getByRole("button", { name }).click(),
	]);
	await expectText(page.locator(".notice-ok"), message);
}

/* The checkout form's contact and address: "email | name | ... | country". */
async function checkoutAddress(page) {
	const values = [];
	for (const label of ["Email", "Full name", "Address", "City",
	    "Postcode", "Country"])
		values.push(await page.getByLabel(label, { exact: true })
		    .inputValue());
	return values.join(" | ");
}

/* ------------------------------------------------------------ tests */

test("purchase", async (t) => {
	const s = await t.session("buyer");
	const page = await s.open();

	await page.goto("/");
	await expectText(page.getByRole("heading", { level: 1 }), "Shopfile");
	await t.shot(page, "home");
	await axeCheck(page);

	await Promise.all([
		page.waitForURL(/\/products\/monstera-deliciosa$/),
		page.getByRole("link", { name: "Monstera Deliciosa" }).click(),
	]);
	await expectText(page.getByRole("heading", { level: 1 }),
	    "Monstera Deliciosa");
	await expectText(page.locator("p[data-live-field=label]"), "In stock");
	// The sold-out size cannot be chosen.
	expectEqual(await page.getByRole("radio", { name: /^Medium / })
	    .isDisabled(), true, "sold-out Medium disabled");
	await page.getByRole("radio", { name: /^Large / }).check();
	await t.shot(page, "product");
	await axeCheck(page);

	await addToCart(page, null, 2);
	await expectText(page.locator(".site-nav .badge"), "2 items");
	await expectText(page.getByRole("heading", { level: 1 }), "Your cart");
	await expectText(page.locator("table.cart-lines tbody th[scope=row]"),
	    "Monstera Deliciosa Large");
	await expectText(page.locator("table.cart-lines tfoot"),
	    "Subtotal (2 items) €90.00");
	await t.shot(page, "cart");
	await axeCheck(page);

	await fillCheckout(page);
	await t.shot(page, "checkout");
	await axeCheck(page);

	const total = await placeOrder(page);
	expectEqual(total, "€90.00", "total to pay (free shipping over €50)");
	await t.shot(page, "gateway");

	await payWith(page, CARD_OK);
	await expectText(orderStatus(page), "Status: Paid");
	await expectText(page.locator(".notice-ok"), thanks("€90.00"));
	await expectText(page.getByRole("heading", { level: 1 }),
	    /^Order \S+$/);
	// The cart was emptied by the order.
	expectEqual(await page.locator(".site-nav .badge").count(), 0,
	    "cart badge after the order");
	await t.shot(page, "paid");
	await axeCheck(page);
});

test("product_meta", async (t) => {
	const s = await t.session("visitor");
	const page = await s.open();
	const seen = [];

	// Any CSP violation the page raises, besides the console's word.
	await page.addInitScript(() => {
		window.__csp = [];
		document.addEventListener("securitypolicyviolation",
		    (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
	});
	page.on("console", (msg) => seen.push(msg.text()));
	await page.goto("/products/stoneware-mug");
	await expectText(page.getByRole("heading", { level: 1 }),
	    "Stoneware Mug");
	// The schema.org Product is there, as data the page never runs.
	const ld = JSON.parse(await page.locator(
	    'script[type="application/ld+json"]').textContent());
	expectEqual(ld["@type"], "Product", "JSON-LD type");
	expectEqual(ld.name, "Stoneware Mug", "JSON-LD name");
	expectEqual(ld.offers[0].priceCurrency, "EUR", "JSON-LD currency");
	expectMatch(await page.locator('link[rel="canonical"]')
	    .getAttribute("href"), /\/products\/stoneware-mug$/, "canonical");
	expectEqual(await page.locator('meta[property="og:type"]')
	    .getAttribute("content"), "product", "og:type");
	// Reload, so the page comes from the cached fragment too.
	await page.reload();
	await expectText(page.getByRole("heading", { level: 1 }),
	    "Stoneware Mug");
	expectEqual(JSON.stringify(await page.evaluate(() => window.__csp)),
	    "[]", "CSP violations");
	expectEqual(seen.filter((m) => /Content Security Policy/i.test(m))
	    .length, 0, "CSP messages");
	await t.shot(page, "product-meta");
});

test("live_order_status", async (t) => {
	const s = await t.session("buyer");
	const page = await s.open();

	await openProduct(page, "espresso-cup-pair", "Espresso Cup Pair");
	await addToCart(page, null, 1);
	await expectText(page.locator(".site-nav .badge"), "1 item");
	await fillCheckout(page);
	const total = await placeOrder(page);
	await payWith(page, CARD_ASYNC_OK);
	// Completed but not yet paid: the page says it is waiting.
	await expectText(orderStatus(page), "Status: Awaiting payment");
	await expectText(page.locator(".order-waiting"), WAITING);
	expectEqual(await page.locator(".order-paid-later").isVisible(), false,
	    "thanks before the payment");
	await t.shot(page, "confirming");

	let navigations = 0;
	page.on("framenavigated", (f) => {
		if (f === page.mainFrame())
			navigations++;
	});
	await page.evaluate(() => {
		window.shopTestMarker = "still the same document";
	});
	const url = page.url();

	await expectText(orderStatus(page), "Status: Paid", LIVE_TIMEOUT);
	expectEqual(navigations, 0, "navigations while waiting");
	expectEqual(page.url(), url, "URL");
	expectEqual(await page.evaluate(() => window.shopTestMarker),
	    "still the same document", "marker set before the update");
	expectEqual(await orderStatus(page).getAttribute("data-live-state"),
	    "paid", "data-live-state");
	// What was said while waiting gives way to the thanks.
	expectEqual(await page.locator(".order-waiting").isVisible(), false,
	    "waiting notice once paid");
	await expectText(page.locator(".order-paid-later"), thanks(total));
	await t.shot(page, "paid-live");
});

test("live_stock_line", async (t) => {
	const watcher = await t.session("watcher");
	const page = await watcher.open();

	await openProduct(page, "speckled-travel-mug", "Speckled Travel Mug");
	const line = page.locator("p[data-live-field=label]");
	const black = page.locator("label[for=variant-13] [data-live-field]");
	const white = page.locator("label[for=variant-12] [data-live-field]");
	await expectText(line, "Only 3 left");
	await expectText(black, "Only 1 left");
	await expectText(white, "Only 2 left");
	await page.evaluate(() => {
		window.shopTestMarker = "watching";
	});
	await t.shot(page, "before");

	// Someone else buys the last black mug.
	const buyer = await t.session("buyer");
	const other = await buyer.open();
	await openProduct(other, "speckled-travel-mug", "Speckled Travel Mug");
	await addToCart(other, "Black", 1);
	await fillCheckout(other);
	await placeOrder(other);
	await t.shot(other, "buyer-gateway");

	await expectText(line, "Only 2 left", LIVE_TIMEOUT);
	await expectText(black, "Sold out");
	await expectText(white, "Only 2 left");
	await t.shot(page, "after-one");

	await payWith(other, CARD_OK);
	await expectText(orderStatus(other), "Status: Paid");

	// And then both white ones.
	await openProduct(other, "speckled-travel-mug", "Speckled Travel Mug");
	await addToCart(other, "White", 2);
	await fillCheckout(other);
	await placeOrder(other);

	await expectText(line, "Sold out", LIVE_TIMEOUT);
	await expectText(white, "Sold out");
	await expectText(black, "Sold out");
	expectEqual(await page.evaluate(() => window.shopTestMarker),
	    "watching", "marker set before the updates");
	await t.shot(page, "sold-out");

	// The page as served now (its cached fragment made anew) agrees.
	const fresh = await watcher.context.newPage();
	await openProduct(fresh, "speckled-travel-mug", "Speckled Travel Mug");
	await expectText(fresh.locator("p[data-live-field=label]"), "Sold out");
	await expectText(fresh.locator(".product-info .notice"), "This " +
	    "product is sold out at the moment. See similar products.");
	expectEqual(await fresh.getByRole("button", { name: "Add to cart" })
	    .count(), 0, "add-to-cart buttons when sold out");
	await t.shot(fresh, "sold-out-reloaded");
});

test("bad_checkout_form", async (t) => {
	const s = await t.session("buyer");
	const page = await s.open();

	await openProduct(page, "golden-pothos", "Golden Pothos");
	await addToCart(page, "Small", 1);
	await fillCheckout(page, { ...CUSTOMER, email: "not an address",
	    name: "" });
	// The form comes back with 422, which Chromium logs.
	t.allowed.push(/status of 422/);
	expectEqual(await clickAndReload(page, page.getByRole("button",
	    { name: /^Place order and pay / })), 422, "status of the form");
	expectEqual(page.url(), `${shop.shop}/checkout`, "still at checkout");
	const summary = page.getByRole("alert");
	await expectText(summary.getByRole("heading"),
	    "Please check what you entered");
	await expectText(summary.getByRole("list"), "Enter an email address " +
	    "like name@example.com. Full name is required.");
	const email = page.getByLabel("Email", { exact: true });
	expectEqual(await email.getAttribute("aria-invalid"), "true",
	    "email aria-invalid");
	expectEqual(await email.inputValue(), "not an address", "email kept");
	expectEqual(await page.getByLabel("City", { exact: true }).inputValue(),
	    CUSTOMER.city, "city kept");
	// A field in error is outlined in the error colour.
	expectEqual(await email.evaluate((el) =>
	    getComputedStyle(el).borderTopColor), "rgb(180, 35, 24)",
	    "border of a field in error");
	expectEqual(await page.getByLabel("City", { exact: true }).evaluate(
	    (el) => getComputedStyle(el).borderTopColor),
	    "rgb(140, 149, 159)", "border of a valid field");
	// The summary's links lead to their fields.
	await summary.getByRole("link", { name: "Full name is required." })
	    .click();
	expectEqual(await page.getByLabel("Full name", { exact: true })
	    .evaluate((el) => el === document.activeElement ||
	    location.hash === "#" + el.id), true, "link to the field");
	await t.shot(page, "errors");

	await page.getByLabel("Email", { exact: true }).fill(CUSTOMER.email);
	await page.getByLabel("Full name", { exact: true }).fill(CUSTOMER.name);
	await placeOrder(page);
	await payWith(page, CARD_OK);
	await expectText(orderStatus(page), "Status: Paid");
});

test("declined_card", async (t) => {
	const s = await t.session("buyer");
	const page = await s.open();

	// The gateway answers a refused card with 422, which Chromium logs.
	t.allowed.push(/status of 422/);
	await openProduct(page, "morning-person-mug", "Morning Person Mug");
	await addToCart(page, null, 1);
	await fillCheckout(page);
	await placeOrder(page);
	expectEqual(await payWith(page, CARD_DECLINED, { landOnShop: false }),
	    422, "status of the refused payment");
	expectMatch(page.url(), new RegExp("^" + shop.gateway + "/c/pay/"),
	    "still on the payment page");
	await expectText(page.getByRole("alert"), "Your card was declined.");
	expectEqual(await page.getByLabel("Card number")
	    .getAttribute("aria-invalid"), "true", "card number aria-invalid");
	await t.shot(page, "declined");

	await payWith(page, CARD_OK);
	await expectText(orderStatus(page), "Status: Paid");
	await t.shot(page, "paid");
});

test("cancel_then_pay", async (t) => {
	const s = await t.session("buyer");
	const page = await s.open();

	await openProduct(page, "creme-glaze-mug", "Crème Glaze Mug");
	await addToCart(page, null, 1);
	await fillCheckout(page);
	const total = await placeOrder(page);
	await Promise.all([
		page.waitForURL(/\/orders\/[A-Za-z0-9_-]{32}\?cancelled=1$/),
		page.getByRole("link", { name: "Cancel and return to the shop" })
		    .click(),
	]);
	await expectText(orderStatus(page), "Status: Awaiting payment");
	await expectText(page.locator(".notice").first(), "You left the " +
	    "payment page without paying. Your order is kept for a while: " +
	    "you can pay for it below.");
	// Nothing is on its way: no "waiting" notice, a button to pay.
	expectEqual(await page.locator(".order-waiting").count(), 0,
	    "waiting notices");
	const pay = page.getByRole("button", { name: `Pay ${total} now` });
	await t.shot(page, "cancelled");

	await Promise.all([
		page.waitForURL((u) => u.href.startsWith(shop.gateway + "/c/pay/")),
		pay.click(),
	]);
	await expectText(page.getByRole("heading", { level: 1 }),
	    `Pay ${total}`);
	await payWith(page, CARD_OK);
	await expectText(orderStatus(page), "Status: Paid");
	await expectText(page.locator(".notice-ok"), thanks(total));
	await t.shot(page, "paid");
});

test("without_javascript", async (t) => {
	const s = await t.session("buyer", { javaScriptEnabled: false });
	const page = await s.open();

	await page.goto("/");
	await page.getByRole("searchbox", { name: "Search products" })
	    .fill("latte");
	await Promise.all([
		page.waitForURL(/\/search\?q=latte$/),
		page.getByRole("button", { name: "Search", exact: true }).click(),
	]);
	await t.shot(page, "search");
	await Promise.all([
		page.waitForURL(/\/products\/tall-latte-mug$/),
		page.getByRole("link", { name: "Tall Latte Mug" }).click(),
	]);
	await addToCart(page, "Sage", 2);
	await expectText(page.locator(".site-nav .badge"), "2 items");
	await fillCheckout(page);
	await t.shot(page, "checkout");
	const total = await placeOrder(page);
	await payWith(page, CARD_ASYNC_OK);
	await expectText(orderStatus(page), "Status: Awaiting payment");
	await expectText(page.locator(".order-waiting"), WAITING);
	await t.shot(page, "confirming");

	// No script: the status changes when the page is asked again.
	const again = page.getByRole("link", { name: "Check again" });
	const end = Date.now() + LIVE_TIMEOUT;
	for (;;) {
		expectEqual(await clickAndReload(page, again), 200,
		    "order page status");
		if (await textOf(orderStatus(page)) !== "Status: Awaiting payment" ||
		    Date.now() > end)
			break;
		await sleep(500);
	}
	await expectText(orderStatus(page), "Status: Paid", 0);
	expectEqual(await page.locator(".order-waiting").count(), 0,
	    "waiting notice once paid");
	await expectText(page.locator(".notice-ok"), thanks(total));
	await t.shot(page, "paid");
});

test("account_signup_cart_merge", async (t) => {
	const s = await t.session("customer");
	const page = await s.open();
	const who = { name: "Grace Hopper", email: "grace@example.test",
	    password: "cobol and compilers" };

	// A guest fills a cart (3 of the 4 lined notebooks in stock).
	await openProduct(page, "pocket-notebook-trio", "Pocket Notebook Trio");
	await addToCart(page, "Lined", 3);
	await expectText(page.locator(".site-nav .badge"), "3 items");
	await expectText(accountLink(page), "Sign in");

	// Signs up: the account page, the name in the header, the cart kept.
	await signUp(page, who);
	await expectText(page.getByRole("heading", { level: 1 }),
	    "Your account");
	await expectText(page.locator(".notice-ok"),
	    "Welcome! Your account is ready.");
	await expectText(page.getByText(/^Signed in as /),
	    `Signed in as ${who.name} (${who.email}).`);
	await expectText(page.locator("#address-title + p"),
	    "You have no saved address yet.");
	await expectText(accountLink(page), who.name);
	await expectText(page.locator(".site-nav .badge"), "3 items");
	await t.shot(page, "signed-up");

	// Signs out: the session ends; the cart stays with the account, so
	// the browser is a guest with an empty cart again. It keeps only its
	// device cookie, which lets it sign in to the account while others
	// are slowed (lib/shop/auth.h).
	await logOut(page);
	expectEqual((await s.context.cookies()).map((c) => c.name).join(),
	    "dev", "cookies after signing out");
	expectEqual(await page.locator(".site-nav .badge").count(), 0,
	    "cart badge after signing out");
	await page.goto("/cart");
	await expectText(page.locator(".cart-empty"),
	    "Your cart is empty. Browse the products.");
	await t.shot(page, "signed-out");

	// As a guest again: 3 more lined notebooks and 2 plain ones.
	await openProduct(page, "pocket-notebook-trio", "Pocket Notebook Trio");
	await addToCart(page, "Lined", 3);
	await openProduct(page, "pocket-notebook-trio", "Pocket Notebook Trio");
	await addToCart(page, "Plain", 2);
	await expectText(page.locator(".site-nav .badge"), "5 items");
	expectEqual(await cartLines(page), "Pocket Notebook Trio Lined: 3; " +
	    "Pocket Notebook Trio Plain: 2", "guest cart");
	await t.shot(page, "guest-cart");

	// Signs in: the guest cart joins the account's; the lined notebooks
	// add up to 6, capped at the 4 in stock.
	await Promise.all([
		page.waitForURL(/\/account\/login\?next=%2Faccount$/),
		accountLink(page).click(),
	]);
	await logIn(page, who.email, who.password);
	await expectText(accountLink(page), who.name);
	await expectText(page.locator(".site-nav .badge"), "6 items");
	await page.goto("/cart");
	expectEqual(await cartLines(page), "Pocket Notebook Trio Lined: 4; " +
	    "Pocket Notebook Trio Plain: 2", "merged cart");
	await expectText(page.locator("table.cart-lines tfoot"),
	    "Subtotal (6 items) €72.00");
	expectEqual(await page.locator(".line-problem").count(), 0,
	    "problems in the merged cart");
	await expectText(page.getByRole("link", { name: "Check out" }),
	    "Check out");
	await t.shot(page, "merged-cart");
});

test("account_addresses", async (t) => {
	const s = await t.session("customer");
	const page = await s.open();
	const who = { name: "Ada Byron", email: "ada.byron@example.test",
	    password: "analytical engine" };
	const paris = { name: "Ada Byron", line1: "12 Rue des Lilas",
	    city: "Paris", postcode: "75011", country: "France" };
	const berlin = { name: "Ada Byron", line1: "5 Unter den Linden",
	    city: "Berlin", postcode: "10117", country: "Germany" };

	await page.goto("/");
	await signUp(page, who);
	await Promise.all([
		page.waitForURL(/\/account\/addresses$/),
		page.getByRole("link", { name: "Manage your addresses" }).click(),
	]);
	await expectText(page.locator(".empty"),
	    "You have no saved address yet.");

	// The first address becomes the default by itself.
	await Promise.all([
		page.waitForURL(/\/account\/addresses\/new$/),
		page.getByRole("link", { name: "Add an address" }).click(),
	]);
	await expectText(page.getByRole("heading", { level: 1 }),
	    "New address");
	await saveAddress(page, paris, "address_added");
	await expectText(page.locator(".notice-ok"), "The address was added.");
	expectEqual(await addressBook(page), "default: Ada Byron, 12 Rue des " +
	    "Lilas, 75011 Paris, France", "address book with one address");

	// The second one does not.
	await Promise.all([
		page.waitForURL(/\/account\/addresses\/new$/),
		page.getByRole("link", { name: "Add an address" }).click(),
	]);
	await expectText(page.getByRole("heading", { level: 1 }),
	    "New address");
	await saveAddress(page, berlin, "address_added");
	expectEqual(await addressBook(page), "default: Ada Byron, 12 Rue des " +
	    "Lilas, 75011 Paris, France | Ada Byron, 5 Unter den Linden, 10117 " +
	    "Berlin, Germany", "address book with two addresses");
	await t.shot(page, "two-addresses");

	// Edit the first: the form holds what was saved.
	await Promise.all([
		page.waitForURL(/\/account\/addresses\/[0-9]+$/),
		page.getByRole("link",
		    { name: "Edit the address of Ada Byron, 12 Rue des Lilas" })
		    .click(),
	]);
	await expectText(page.getByRole("heading", { level: 1 }),
	    "Edit address");
	expectEqual(await page.getByLabel("Address", { exact: true })
	    .inputValue(), paris.line1, "address line kept for editing");
	expectEqual(await page.getByLabel("Use as my default address")
	    .isChecked(), true, "default box of the default address");
	await expectText(page.getByLabel("Country", { exact: true })
	    .locator("option:checked"), "France");
	paris.line1 = "14 Rue des Lilas";
	await saveAddress(page, paris, "address_saved");
	await expectText(page.locator(".notice-ok"), "The address was saved.");
	expectEqual(await addressBook(page), "default: Ada Byron, 14 Rue des " +
	    "Lilas, 75011 Paris, France | Ada Byron, 5 Unter den Linden, 10117 " +
	    "Berlin, Germany", "address book after the edit");

	// The second becomes the default, listed first.
	expectEqual(await page.getByRole("button", { name: /^Make default/ })
	    .count(), 1, "make-default buttons");
	// (Chromium names the button "Make default : ...", its hidden part
	// being a box of its own.)
	await addressAction(page,
	    /^Make default ?: Ada Byron, 5 Unter den Linden$/,
	    "address_default", "That is your default address now.");
	expectEqual(await addressBook(page), "default: Ada Byron, 5 Unter den " +
	    "Linden, 10117 Berlin, Germany | Ada Byron, 14 Rue des Lilas, 75011 " +
	    "Paris, France", "address book after the new default");
	await t.shot(page, "new-default");
	await page.goto("/account");
	await expectText(page.locator("#address-title + address"),
	    "Ada Byron 5 Unter den Linden 10117 Berlin Germany");

	// At checkout the default address fills the form, the account's
	// email the contact; the other address can be chosen instead.
	await openProduct(page, "recipe-journal", "Recipe Journal");
	await addToCart(page, null, 1);
	await Promise.all([
		page.waitForURL(/\/checkout$/),
		page.getByRole("link", { name: "Check out" }).click(),
	]);
	const saved = page.getByLabel("Use a saved address");
	expectEqual((await saved.locator("option").allInnerTexts()).join(" | "),
	    "Another address | Ada Byron, 5 Unter den Linden, 10117 Berlin " +
	    "| Ada Byron, 14 Rue des Lilas, 75011 Paris",
	    "saved addresses offered");
	await expectText(saved.locator("option:checked"),
	    "Ada Byron, 5 Unter den Linden, 10117 Berlin");
	expectEqual(await checkoutAddress(page), `${who.email} | Ada Byron | ` +
	    "5 Unter den Linden | Berlin | 10117 | DE", "checkout prefilled");
	await t.shot(page, "checkout-default");

	await saved.selectOption({ label: "Ada Byron, 14 Rue des Lilas, " +
	    "75011 Paris" });
	expectEqual(await clickAndReload(page, page.getByRole("button",
	    { name: "Use it" })), 200, "status of choosing an address");
	await expectText(saved.locator("option:checked"),
	    "Ada Byron, 14 Rue des Lilas, 75011 Paris");
	expectEqual(await checkoutAddress(page), `${who.email} | Ada Byron | ` +
	    "14 Rue des Lilas | Paris | 75011 | FR", "other saved address");
	await t.shot(page, "checkout-other");

	// Another address, typed in: the summary follows its country
	// (static/checkout.js, no page load), and what was typed stays.
	await saved.selectOption({ label: "Another address" });
	await page.getByLabel("Full name", { exact: true }).fill("A. Byron");
	await page.getByLabel("Address", { exact: true }).fill("9 Calle Mayor");
	await page.getByLabel("City", { exact: true }).fill("Madrid");
	await page.getByLabel("Postcode", { exact: true }).fill("28013");
	await page.getByLabel("Country", { exact: true })
	    .selectOption({ label: "Spain" });
	await expectText(page.locator("[data-quote-status]"),
	    /^Total updated: €\d+\.\d\d$/);
	await expectText(saved.locator("option:checked"), "Another address");
	expectEqual(await checkoutAddress(page), `${who.email} | A. Byron | ` +
	    "9 Calle Mayor | Madrid | 28013 | ES", "address typed in");
	await t.shot(page, "checkout-typed");

	// Deleting the default address makes the one left the default.
	await page.goto("/account/addresses");
	await addressAction(page, "Delete the address of Ada Byron, 5 Unter " +
	    "den Linden", "address_deleted", "The address was deleted.");
	expectEqual(await addressBook(page), "default: Ada Byron, 14 Rue des " +
	    "Lilas, 75011 Paris, France", "address book after the delete");
	expectEqual(await page.getByRole("button", { name: /^Make default/ })
	    .count(), 0, "make-default buttons");
	await t.shot(page, "deleted");
	await page.goto("/checkout");
	expectEqual(await checkoutAddress(page), `${who.email} | Ada Byron | ` +
	    "14 Rue des Lilas | Paris | 75011 | FR",
	    "checkout after the delete");
});

test("account_bad_forms", async (t) => {
	const s = await t.session("customer");
	const page = await s.open();
	const who = { name: "Alan Turing", email: "alan@example.test",
	    password: "on computable numbers" };
	const shortPassword = "Tk7#q";

	// Both forms come back with 422, which Chromium logs.
	t.allowed.push(/status of 422/);
	await page.goto("/account/signup");
	await page.getByLabel("Name", { exact: true }).fill(who.name);
	await page.getByLabel("Email", { exact: true }).fill("alan at example");
	await page.getByLabel("Password", { exact: true }).fill(shortPassword);
	expectEqual(await clickAndReload(page, page.getByRole("button",
	    { name: "Create the account" })), 422, "status of the sign-up");
	expectEqual(page.url(), `${shop.shop}/account/signup`,
	    "still signing up");
	const summary = page.getByRole("alert");
	await expectText(summary.getByRole("heading"),
	    "Please check what you entered");
	await expectText(summary.getByRole("list"), "Enter an email address " +
	    "like name@example.com. Password must be at least 8 characters.");
	// Each message beside its field, which points at it.
	const email = page.getByLabel("Email", { exact: true });
	const password = page.getByLabel("Password", { exact: true });
	await expectText(page.locator("#f-email-error"),
	    "Enter an email address like name@example.com.");
	await expectText(page.locator("#f-password-error"),
	    "Password must be at least 8 characters.");
	expectEqual(await email.getAttribute("aria-invalid"), "true",
	    "email aria-invalid");
	expectEqual(await email.getAttribute("aria-describedby"),
	    "f-email-error", "email aria-describedby");
	expectEqual(await password.getAttribute("aria-invalid"), "true",
	    "password aria-invalid");
	expectEqual(await password.getAttribute("aria-describedby"),
	    "f-password-hint f-password-error", "password aria-describedby");
	expectEqual(await page.getByLabel("Name", { exact: true })
	    .getAttribute("aria-invalid"), null, "name aria-invalid");
	// What was typed is kept, but never the password.
	expectEqual(await email.inputValue(), "alan at example", "email kept");
	expectEqual(await page.getByLabel("Name", { exact: true }).inputValue(),
	    who.name, "name kept");
	expectEqual(await password.inputValue(), "", "password not echoed");
	expectEqual((await page.content()).includes(shortPassword), false,
	    "password in the page");
	expectEqual(await email.evaluate((el) =>
	    getComputedStyle(el).borderTopColor), "rgb(180, 35, 24)",
	    "border of a field in error");
	await summary.getByRole("link", {
		name: "Password must be at least 8 characters.",
	}).click();
	expectEqual(await password.evaluate((el) =>
	    el === document.activeElement || location.hash === "#" + el.id),
	    true, "link to the field");
	await t.shot(page, "signup-errors");

	await email.fill(who.email);
	await password.fill(who.password);
	await finishSignUp(page, who);
	await logOut(page);

	// A wrong password and an unknown email get the same answer. (A
	// client address is slowed after 20 failed log-ins, a trusted
	// device after 10 of its own, lib/shop/auth.h: the suite spends 3.)
	const refused = [];
	for (const [address, pw] of [[who.email, "not my password"],
	    ["nobody@example.test", who.password]]) {
		await page.getByLabel("Email", { exact: true }).fill(address);
		await page.getByLabel("Password", { exact: true }).fill(pw);
		expectEqual(await clickAndReload(page, page.getByRole("button",
		    { name: "Sign in" })), 422,
		    `status of signing in as ${address}`);
		expectEqual(page.url(), `${shop.shop}/account/login`,
		    "still at the log-in page");
		await expectText(page.getByRole("alert").getByRole("list"),
		    "The email or the password is not right.");
		expectEqual(await page.getByRole("alert").getByRole("link")
		    .count(), 0, "links in a message about no single field");
		expectEqual(await page.getByLabel("Email", { exact: true })
		    .inputValue(), address, "email kept");
		expectEqual(await page.getByLabel("Password", { exact: true })
		    .inputValue(), "", "password not echoed");
		expectEqual(await page.locator("[aria-invalid]").count(), 0,
		    "fields marked invalid");
		refused.push((await page.locator("main").innerHTML())
		    .replace(`value="${address}"`, 'value="(typed)"'));
	}
	expectEqual(refused[1], refused[0], "pages for a wrong password " +
	    "and for an unknown email");
	await t.shot(page, "login-refused");
	await logIn(page, who.email, who.password);
});

test("password_reset_by_mail", async (t) => {
	const s = await t.session("customer");
	const page = await s.open();
	const who = { name: "Hedy Lamarr", email: "hedy@example.test",
	    password: "frequency hopping" };
	const newPassword = "spread spectrum 1942";

	await page.goto("/");
	await signUp(page, who);
	await logOut(page);

	await Promise.all([
		page.waitForURL(/\/account\/password\/forgot$/),
		page.getByRole("link", { name: "Forgot your password?" }).click(),
	]);
	await page.getByLabel("Email", { exact: true }).fill(who.email);
	const before = mailFiles();
	await Promise.all([
		page.waitForURL(/\/password\/forgot\?notice=reset_sent$/),
		page.getByRole("button", { name: "Send the link" }).click(),
	]);
	await expectText(page.locator(".notice-ok"), "If an account uses that " +
	    "email, we have sent it a link to choose a new password. The link " +
	    "works once, for one hour.");
	await t.shot(page, "link-sent");

	const mail = await waitForMail(who.email, before);
	expectEqual(mail.subject, "Reset your password at Shopfile",
	    "subject of the mail");
	const links = mail.text.match(/https?:\/\/\S+/g) || [];
	expectEqual(links.length, 1, "links in the mail");
	const link = links[0];
	expectMatch(link, new RegExp("^" + shop.shop.replace(/\./g, "\\.") +
	    "/account/password/reset\\?token=[A-Za-z0-9_-]{43}$"),
	    "link in the mail");

	await page.goto(link);
	await expectText(page.getByRole("heading", { level: 1 }),
	    "Choose a new password");
	await page.getByLabel("New password", { exact: true }).fill(newPassword);
	await t.shot(page, "new-password");
	await Promise.all([
		page.waitForURL(/\/account\?notice=password_reset$/),
		page.getByRole("button", { name: "Set the password" }).click(),
	]);
	await expectText(page.locator(".notice-ok"),
	    "Your new password is set, and you are signed in.");
	await expectText(accountLink(page), who.name);
	await t.shot(page, "reset");

	// The new password signs in; the old one no longer does.
	await logOut(page);
	t.allowed.push(/status of 422/);
	await page.getByLabel("Email", { exact: true }).fill(who.email);
	await page.getByLabel("Password", { exact: true }).fill(who.password);
	expectEqual(await clickAndReload(page, page.getByRole("button",
	    { name: "Sign in" })), 422, "status of the old password");
	await expectText(page.getByRole("alert").getByRole("list"),
	    "The email or the password is not right.");
	await logIn(page, who.email, newPassword);
	await expectText(accountLink(page), who.name);

	// The link worked once.
	t.allowed.push(/status of 404/);
	const resp = await page.goto(link);
	expectEqual(resp.status(), 404, "status of the used link");
	await expectText(page.locator(".error-page .lead"), "This link to " +
	    "choose a new password has expired or has been used already. " +
	    "Please ask for a new one.");
	await t.shot(page, "used-link");
});

main();

/*
 * The steps of a purchase every browser test file takes: a product page,
 * the cart, the checkout form filled in by its labels, the gateway's
 * hosted payment page and the shop's order page it returns to; and the
 * mails shop-worker writes to <data>/mail/.
 */
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const {
	LIVE_TIMEOUT, shop, sleep, textOf, expectText, expectEqual,
} = require("./lib");

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

module.exports = {
	CARD_OK, CARD_ASYNC_OK, CARD_DECLINED, CUSTOMER,
	openProduct, addToCart, fillCheckout, placeOrder, clickAndReload,
	payWith, orderStatus, mailFiles, waitForMail,
};

/*
 * The storefront as a shopper sees it, at 390 px (a phone) and 1280 px:
 * every page checked with axe-core and kept as a screenshot
 * (build/test-artifacts/browser/<page>-<width>.png), no page wider than
 * the screen at 320, 390 and 768 px, and what issue 14 asked of each
 * page: the cart as stacked cards on phones, with thumbnails, the way to
 * free shipping and an "Empty the cart" that asks once; the checkout
 * total following the shipping method and country as they change, and
 * its summary folded above the form on phones; readable dates and
 * country names on the order page and a table of orders; the address
 * book's countries those of checkout; plain 400 and 405 pages, the
 * search landmarks named apart, focus on the error summary after a failed
 * submit; two product cards a row and a compact header on phones.
 *
 *   node tests/browser/storefront.test.js [test-name...]
 */
"use strict";

const {
	shop, textOf, expectText, expectEqual, expectMatch, expectNoSideScroll,
	shopctl, test, main,
} = require("./lib");

const WIDTHS = [390, 1280];		/* checked with axe, kept */
const NARROW = [320, 390, 768];		/* must not scroll sideways */

const PASSWORD = "correct horse battery";

const CUSTOMER = {
	email: "grace@example.test",
	name: "Grace Hopper",
	line1: "3 Quai des Brumes",
	city: "Lyon",
	postcode: "69002",
	country: "France",
};

/* ------------------------------------------------------------ steps */

/* Add qty of a product without variants to the cart, from its page. */
async function addProduct(page, slug, qty = 1) {
	await page.goto(`/products/${slug}`);
	await page.getByLabel("Quantity", { exact: true }).fill(String(qty));
	await Promise.all([
		page.waitForURL(/\/cart(\?notice=added)?$/),
		page.getByRole("button", { name: "Add to cart" }).click(),
	]);
}

let customers = 0;

/* A new customer account (by shopctl), signed in on page. */
async function signedIn(page) {
	const email = `shopper${++customers}-${process.pid}@example.test`;

	shopctl(["user", "add", email, CUSTOMER.name], PASSWORD + "\n");
	await page.goto("/account/login");
	await page.getByLabel("Email", { exact: true }).fill(email);
	await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
	await Promise.all([
		page.waitForURL(/\/account\?notice=signed_in$/),
		page.getByRole("button", { name: "Sign in" }).click(),
	]);
	return email;
}

/* The pages anyone can see, by the name their screenshots get. */
const PUBLIC_PAGES = [
	["home", "/"],
	["products", "/products"],
	["categories", "/categories"],
	["product", "/products/espresso-cup-pair"],
	["search", "/search"],
	["search-results", "/search?q=mug"],
	["search-none", "/search?q=zzzzqqq"],
	["cart-empty", "/cart"],
	["login", "/account/login"],
	["signup", "/account/signup"],
	["forgot", "/account/password/forgot"],
];

/*
 * Every storefront page at width: public ones, then a cart with items and
 * its checkout, then a customer's account pages. check(page, name) is
 * called on each.
 */
async function everyPage(t, width, check) {
	const page = await t.page(width);

	for (const [name, url] of PUBLIC_PAGES) {
		const resp = await page.goto(url);
		expectEqual(resp.status(), 200, `status of ${url}`);
		await check(page, name);
	}
	t.allowed.push(/status of 404/);
	await page.goto("/products/no-such-thing");
	await check(page, "not-found");
	await page.goto("/categories");
	await Promise.all([
		page.waitForURL(/\/categories\/[a-z0-9-]+$/),
		page.locator("main a[href^='/categories/']").first().click(),
	]);
	await check(page, "category");

	await addProduct(page, "espresso-cup-pair", 2);
	await addProduct(page, "monstera-deliciosa", 1);
	await check(page, "cart");
	await page.goto("/cart/empty");
	await check(page, "cart-empty-confirm");
	await page.goto("/checkout");
	await check(page, "checkout");

	await signedIn(page);
	await check(page, "account");
	for (const [name, url] of [["orders", "/account/orders"],
	    ["addresses", "/account/addresses"],
	    ["address-new", "/account/addresses/new"],
	    ["password", "/account/password"]]) {
		const resp = await page.goto(url);
		expectEqual(resp.status(), 200, `status of ${url}`);
		await check(page, name);
	}
}

/* ------------------------------------------------------------ tests */

for (const width of WIDTHS)
	test(`pages-${width}`, async (t) => {
		await everyPage(t, width, async (page, name) => {
			await t.check(page, name);
			if (NARROW.includes(width))
				await expectNoSideScroll(page, name);
		});
	});

for (const width of NARROW.filter((w) => !WIDTHS.includes(w)))
	test(`no-side-scroll-${width}`, async (t) => {
		await everyPage(t, width, (page, name) =>
		    expectNoSideScroll(page, name));
	});

/* 1. On a phone each cart line is a card, "Remove" on screen. */
test("mobile-cart", async (t) => {
	for (const width of [320, 390, 1280]) {
		const page = await t.page(width);

		await addProduct(page, "espresso-cup-pair", 2);
		const row = page.locator("table.cart-lines tbody tr").first();
		const display = await row.evaluate((el) =>
		    getComputedStyle(el).display);
		expectEqual(display, width < 640 ? "block" : "table-row",
		    `display of a cart line at ${width} px`);
		const remove = page.getByRole("button",
		    { name: "Remove Espresso Cup Pair" });
		const box = await remove.boundingBox();
		if (box.x < 0 || box.x + box.width > width)
			throw new Error(`Remove at ${width} px is at ${box.x}, ` +
			    `${box.width} wide: off screen`);
		if (width < 640)
			expectEqual(await row.locator("td[data-label=Price]")
			    .evaluate((el) => getComputedStyle(el, "::before")
			    .content), '"Price"', "the price cell names its column");
		await expectNoSideScroll(page, `cart at ${width} px`);
		await t.check(page, "cart-lines");
	}
});

/* 9. Two cards a row on a phone; Sign in and the cart on one line. */
test("mobile-density", async (t) => {
	for (const width of [320, 390]) {
		const page = await t.page(width);

		await page.goto("/products");
		const cards = page.locator("ul.cards > li");
		const a = await cards.nth(0).boundingBox();
		const b = await cards.nth(1).boundingBox();
		const c = await cards.nth(2).boundingBox();
		expectEqual(a.y, b.y, `two cards on the first row at ${width} px`);
		if (!(c.y > a.y))
			throw new Error(`the third card is not on the second row ` +
			    `at ${width} px`);
		const signIn = await page.locator(".site-nav a[href='/account']")
		    .boundingBox();
		const cart = await page.locator(".site-nav a[href='/cart']")
		    .boundingBox();
		expectEqual(Math.round(signIn.y), Math.round(cart.y),
		    `Sign in and Cart on one line at ${width} px`);
		// The placeholder fits in its box.
		const fits = await page.locator("#site-q").evaluate((el) => {
			const cs = getComputedStyle(el);
			const ctx = document.createElement("canvas").getContext("2d");
			ctx.font = `${cs.fontSize} ${cs.fontFamily}`;
			return ctx.measureText(el.placeholder).width <=
			    el.clientWidth - parseFloat(cs.paddingLeft) -
			    parseFloat(cs.paddingRight);
		});
		expectEqual(fits, true, `the search placeholder fits at ${width} px`);
		await t.check(page, "products-density");
	}
});

/* 8. The header's search and the search page's are named apart. */
test("search-landmarks", async (t) => {
	const page = await t.page(1280);

	await page.goto("/search?q=mug");
	const names = await page.locator("[role=search]").evaluateAll((els) =>
	    els.map((el) => el.getAttribute("aria-label")));
	expectEqual(JSON.stringify(names), JSON.stringify(["Site", "Catalog"]),
	    "names of the search landmarks");
	await page.getByRole("search", { name: "Catalog" })
	    .getByRole("searchbox").fill("cup");
	await Promise.all([
		page.waitForURL(/\/search\?q=cup$/),
		page.getByRole("search", { name: "Catalog" })
		    .getByRole("button", { name: "Search" }).click(),
	]);
	await expectText(page.getByRole("heading", { level: 1 }),
	    "Search results for “cup”");
});

/* 8. The 405 and 400 pages in plain words, at both widths. */
test("error-pages", async (t) => {
	t.allowed.push(/status of 40[05]/);
	for (const width of WIDTHS) {
		const page = await t.page(width);

		await t.visit(page, "/cart/items", "error-405", 405);
		await expectText(page.getByRole("heading", { level: 1 }),
		    "This page can’t do that");
		await expectMatch(await textOf(page.locator(".error-page .lead")),
		    /^This address was reached in a way it does not answer: /,
		    "the 405 page's words");
		await t.visit(page, "/search?q=%ff", "error-400", 400);
		await expectText(page.getByRole("heading", { level: 1 }),
		    "This link or form did not make sense to us");
		await expectNoSideScroll(page, "the 400 page");
	}
});

/* 8. After a refused form, focus is on the error summary. */
test("focus-error-summary", async (t) => {
	t.allowed.push(/status of 422/);
	for (const width of WIDTHS) {
		const page = await t.page(width);

		await addProduct(page, "espresso-cup-pair", 1);
		await page.goto("/checkout");
		await page.getByLabel("Email", { exact: true }).fill("not-an-email");
		await Promise.all([
			page.waitForResponse((r) => r.request().method() === "POST"),
			page.getByRole("button", { name: /^Place order and pay / })
			    .click(),
		]);
		await page.waitForLoadState("load");
		await expectText(page.locator(":focus"), /^Please check what you entered /);
		expectEqual(await page.evaluate(() => document.activeElement.id),
		    "form-errors", "the focused element");
		await t.check(page, "checkout-errors");

		await page.goto("/account/login");
		await page.getByLabel("Email", { exact: true }).fill("nobody@example.test");
		await page.getByLabel("Password", { exact: true }).fill("wrong password");
		await Promise.all([
			page.waitForResponse((r) => r.request().method() === "POST"),
			page.getByRole("button", { name: "Sign in" }).click(),
		]);
		await page.waitForLoadState("load");
		expectEqual(await page.evaluate(() => document.activeElement.id),
		    "form-errors", "the focused element after a failed sign-in");
		await t.check(page, "login-errors");
	}
});

/*
 * 5. Thumbnails and amounts in line, the way to free shipping, and
 * "Empty the cart" away from "Check out", asking once.
 */
test("cart-extras", async (t) => {
	for (const width of WIDTHS) {
		const page = await t.page(width);

		await addProduct(page, "espresso-cup-pair", 1);
		const thumb = page.locator("table.cart-lines tbody tr img.line-thumb");
		expectEqual(await thumb.count(), 1, "thumbnails");
		const size = await thumb.evaluate((img) =>
		    [img.complete && img.naturalWidth > 0, img.clientWidth]);
		expectEqual(size[0], true, "the thumbnail loaded");
		expectEqual(size[1], 64, "the thumbnail's width");
		await expectText(page.locator(".free-shipping"), "Add €26.00 " +
		    "more for free shipping: Standard (3-5 days) is free from " +
		    "€50.00.");
		await addProduct(page, "monstera-deliciosa", 1);
		await expectText(page.locator(".free-shipping"), "Add €2.00 " +
		    "more for free shipping: Standard (3-5 days) is free from " +
		    "€50.00.");
		if (width >= 640) {
			// The amounts of every row end on the same line.
			const rights = await page.locator("table.cart-lines " +
			    "td.num").evaluateAll((tds) => [...new Set(tds.map((td) =>
			    Math.round(td.getBoundingClientRect().right)))].length);
			expectEqual(rights, 2, "right edges of the amount columns");
		}
		await t.check(page, "cart-free-shipping");
		// "Empty the cart" is not among the checkout actions.
		expectEqual(await page.locator(".cart-actions")
		    .getByText("Empty the cart").count(), 0, "Empty beside Check out");
		await Promise.all([
			page.waitForURL(/\/cart\/empty$/),
			page.getByRole("link", { name: "Empty the cart" }).click(),
		]);
		await expectText(page.getByRole("heading", { level: 1 }),
		    "Empty your cart?");
		await t.check(page, "cart-empty-confirm");
		await Promise.all([
			page.waitForURL(/\/cart$/),
			page.getByRole("link", { name: "No, keep my cart" }).click(),
		]);
		expectEqual(await page.locator("table.cart-lines tbody tr").count(),
		    2, "lines kept");
		await page.getByRole("link", { name: "Empty the cart" }).click();
		await Promise.all([
			page.waitForURL(/\/cart\?notice=emptied$/),
			page.getByRole("button", { name: "Yes, empty my cart" })
			    .click(),
		]);
		await expectText(page.locator(".cart-empty"),
		    "Your cart is empty. Browse the products.");
	}
});

/* The checkout form filled in for the customer, shipping not chosen. */
async function fillAddress(page) {
	await page.getByLabel("Email", { exact: true }).fill("grace@example.test");
	await page.getByLabel("Full name", { exact: true }).fill(CUSTOMER.name);
	await page.getByLabel("Address", { exact: true }).fill(CUSTOMER.line1);
	await page.getByLabel("City", { exact: true }).fill(CUSTOMER.city);
	await page.getByLabel("Postcode", { exact: true }).fill(CUSTOMER.postcode);
}

/*
 * 4. The summary follows the shipping method and the country without a
 * round trip (the page is the same document throughout), and the order
 * is placed at the total shown.
 */
test("live-checkout-total", async (t) => {
	const page = await t.page(1280);

	await addProduct(page, "espresso-cup-pair", 1);	/* €24.00 */
	await page.goto("/checkout");
	await fillAddress(page);
	await page.evaluate(() => { window.sameDocument = true; });
	const aside = page.locator("aside.order-summary");
	const total = aside.locator("tr.total td");
	await expectText(total, "€28.95");
	expectEqual(await page.getByRole("button", { name: "Update the " +
	    "summary for this country and shipping" }).count(), 0,
	    "the no-JavaScript button, hidden");
	await page.getByRole("radio", { name: /^Express/ }).check();
	await expectText(total, "€36.90");
	await expectText(aside.locator("[data-quote=shipping_formatted]"),
	    "€12.90");
	await expectText(page.locator("[data-quote-status]"),
	    "Total updated: €36.90");
	await page.getByLabel("Country", { exact: true })
	    .selectOption({ label: "United States" });
	await expectText(aside.locator("tr[data-quote-if=tax_added]"),
	    /^Sales tax \(\d+(\.\d+)?%, added\) €\d+\.\d\d$/);
	const usTotal = await textOf(total);
	expectMatch(usTotal, /^€\d+\.\d\d$/, "the US total");
	if (usTotal === "€36.90")
		throw new Error("the US total did not change");
	// The United States are in another zone: its methods replace
	// France's, the first one chosen.
	expectEqual((await page.locator(".shipping-methods .choice-name")
	    .allInnerTexts()).join(" | "), "International (7-12 days)",
	    "methods offered to the United States");
	expectEqual(await page.getByRole("radio", { name: /^International/ })
	    .isChecked(), true, "the international method, chosen");
	expectEqual(await page.evaluate(() => window.sameDocument), true,
	    "no page load");
	await page.getByLabel("Country", { exact: true })
	    .selectOption({ label: "France" });
	await expectText(total, "€28.95");
	await page.getByRole("radio", { name: /^Express/ }).check();
	await expectText(total, "€36.90");
	expectEqual(await page.evaluate(() => window.sameDocument), true,
	    "no page load");
	expectEqual(await aside.locator("tr[data-quote-if=tax_added]")
	    .isVisible(), false, "the added-tax line, hidden again");
	expectEqual(await page.locator("input[name=total]").inputValue(),
	    "3690", "the total the form posts");
	await t.check(page, "checkout-live");
	// The order is placed at the total shown.
	const button = page.getByRole("button", { name: "Place order and pay " +
	    "€36.90" });
	await Promise.all([
		page.waitForURL((u) => u.href.startsWith(shop.gateway + "/c/pay/")),
		button.click(),
	]);
	await expectText(page.getByRole("heading", { level: 1 }), "Pay €36.90");
});

/* 4. Without JavaScript the button updates the summary, as before. */
test("checkout-without-javascript", async (t) => {
	const page = await t.page(1280, { javaScriptEnabled: false });

	await addProduct(page, "espresso-cup-pair", 1);
	await page.goto("/checkout");
	await page.getByRole("radio", { name: /^Express/ }).check();
	await Promise.all([
		page.waitForURL(/\/checkout\?/),
		page.getByRole("button", { name: "Update the summary for this " +
		    "country and shipping" }).click(),
	]);
	await expectText(page.locator("aside.order-summary tr.total td"),
	    "€36.90");
	// (axe-core needs the page's JavaScript: the page is checked with
	// it in live-checkout-total.)
	await t.keep(page, "checkout-no-js");
});

/* 4. On a phone the summary is folded above the form, total in sight. */
test("mobile-checkout-summary", async (t) => {
	const page = await t.page(390);

	await addProduct(page, "espresso-cup-pair", 1);
	await page.goto("/checkout");
	const details = page.locator("details.summary-mobile");
	expectEqual(await page.locator("aside.order-summary").isVisible(),
	    false, "the side summary on a phone");
	expectEqual(await details.evaluate((d) => d.open), false, "folded");
	await expectText(details.locator("summary"), "Order summary €28.95");
	const form = await page.locator("form.checkout-form").boundingBox();
	const box = await details.boundingBox();
	if (!(box.y + box.height <= form.y))
		throw new Error("the summary is not above the form");
	await t.check(page, "checkout-summary-folded");
	await details.locator("summary").click();
	await expectText(details.locator("tbody th").first(),
	    "Espresso Cup Pair One size × 1");
	await page.getByRole("radio", { name: /^Express/ }).check();
	await expectText(details.locator("summary"), "Order summary €36.90");
	await expectText(details.locator("tr.total td"), "€36.90");
	await expectNoSideScroll(page, "checkout, summary open");
	await t.check(page, "checkout-summary-open");
	// Wide screens: no folded summary, the side one.
	await page.setViewportSize({ width: 1280, height: 800 });
	expectEqual(await details.isVisible(), false, "the folded summary, wide");
	expectEqual(await page.locator("aside.order-summary").isVisible(), true,
	    "the side summary, wide");
});

/* The hosted payment page, paid with a card that works. */
async function pay(page) {
	await page.getByLabel("Card number").fill("4242 4242 4242 4242");
	await page.getByLabel("Expiry date (MM / YY)").fill("12 / 34");
	await page.getByLabel("Security code (CVC)").fill("123");
	await Promise.all([
		page.waitForURL(/\/orders\/[A-Za-z0-9_-]{32}$/),
		page.getByRole("button", { name: /^Pay / }).click(),
	]);
}

/*
 * 6. The order page says when in words, in the shop's zone (Paris by
 * default), and the country by its name; the history is a table.
 */
test("order-dates-and-history", async (t) => {
	const page = await t.page(1280);

	await signedIn(page);
	await addProduct(page, "espresso-cup-pair", 1);
	await page.goto("/checkout");
	await fillAddress(page);
	await page.getByRole("radio", { name: /^Standard/ }).check();
	await Promise.all([
		page.waitForURL((u) => u.href.startsWith(shop.gateway + "/c/pay/")),
		page.getByRole("button", { name: /^Place order and pay / }).click(),
	]);
	await pay(page);
	const orderUrl = page.url();
	const placed = page.locator(".order-detail p.hint time").first();
	const iso = await placed.getAttribute("datetime");
	expectMatch(iso, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, "the stored time");
	// What Paris's clock said then, as the page should write it.
	const want = new Intl.DateTimeFormat("en-GB", {
		timeZone: "Europe/Paris", day: "numeric", month: "long",
		year: "numeric", hour: "2-digit", minute: "2-digit",
		hourCycle: "h23", timeZoneName: "short",
	}).formatToParts(new Date(iso)).reduce((o, p) =>
	    ({ ...o, [p.type]: p.value }), {});
	const zone = { "GMT+1": "CET", "GMT+2": "CEST" }[want.timeZoneName] ||
	    want.timeZoneName;
	await expectText(placed, `${want.day} ${want.month} ${want.year}, ` +
	    `${want.hour}:${want.minute} ${zone}`);
	await expectText(page.locator(".order-detail address"),
	    "Grace Hopper 3 Quai des Brumes 69002 Lyon France");
	for (const width of WIDTHS) {
		const p = width === 1280 ? page : await t.page(width,
		    { storageState: await page.context().storageState() });
		await t.visit(p, orderUrl, "order");
		await expectNoSideScroll(p, "the order page");
		await t.visit(p, "/account/orders", "order-history");
		const table = p.getByRole("table", { name: "Your orders, newest first" });
		expectEqual((await table.getByRole("columnheader").allInnerTexts())
		    .join(" | "), "Order | Date | Status | Total",
		    "the history's headings");
		const row = table.locator("tbody tr");
		expectEqual(await row.count(), 1, "orders in the history");
		await expectText(row.locator("td.order-date"),
		    `${want.day} ${want.month.slice(0, 3) === "Sep" ? "Sept" :
		    want.month.slice(0, 3)} ${want.year}`);
		await expectText(row.locator("td.order-state"), "Paid");
		await expectNoSideScroll(p, "the order history");
	}
});

/* 7. The address book offers checkout's countries, labelled the same. */
test("address-book-countries", async (t) => {
	const page = await t.page(1280);
	const options = (sel) => page.getByLabel("Country", { exact: true })
	    .locator("option").evaluateAll((os) => os.map((o) =>
	    `${o.value}=${o.textContent}`).join(","));

	await signedIn(page);
	await addProduct(page, "espresso-cup-pair", 1);
	await page.goto("/checkout");
	const atCheckout = await options();
	await page.goto("/account/addresses/new");
	const inBook = await options();
	expectEqual(inBook, atCheckout, "the address book's countries");
	expectMatch(inBook, /(^|,)FR=France(,|$)/, "France by its name");
	expectMatch(inBook, /(^|,)DE=Germany(,|$)/, "Germany by its name");
	expectEqual(await page.getByLabel("Country", { exact: true })
	    .inputValue(), "FR", "the country a new address starts with");
	for (const width of WIDTHS) {
		await page.setViewportSize({ width, height: width < 640 ? 844 : 800 });
		await t.check(page, "address-new-countries");
	}
});

main();

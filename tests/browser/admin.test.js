/*
 * The back office in Debian's Chromium: an administrator creates a
 * product with its first variant, uploads its image and puts it on sale;
 * a shopper finds it in the store, with the image's srcset, and buys it
 * through the test gateway; the order appears live on the dashboard the
 * administrator has open; the administrator refunds part of it from the
 * order's page, the gateway holds that refund, and the shopper's order
 * page says so. Then a staff member signs in: the orders are theirs,
 * the staff accounts are not (403), and an anonymous visitor is sent to
 * log in. Every back-office page visited is checked with axe-core.
 *
 *   node tests/browser/admin.test.js [test-name...]
 */
"use strict";

const crypto = require("node:crypto");
const zlib = require("node:zlib");
const {
	LIVE_TIMEOUT, shop, sleep, textOf, expectText, expectEqual,
	expectMatch, expectNoSideScroll, shopctl, test, main,
} = require("./lib");
const {
	CARD_OK, CUSTOMER, addToCart, fillCheckout, placeOrder, payWith,
	orderStatus,
} = require("./steps");

/* Accounts made for these tests, with passwords no dictionary holds. */
const BOSS = {
	email: "boss@example.test",
	name: "Grace Hopper",
	password: "Cobol-" + crypto.randomBytes(9).toString("base64url"),
};
const CLERK = {
	email: "clerk@example.test",
	name: "Alan Turing",
	password: "Enigma-" + crypto.randomBytes(9).toString("base64url"),
};

const PRODUCT = {
	name: "Hinoki Tea Caddy",
	slug: "hinoki-tea-caddy",
	description: "A turned hinoki wood caddy with a snug lid: 100 g of leaves.",
	sku: "CADDY-HIN",
	price: "24.50",
	stock: "3",
};

/* ------------------------------------------------------------ helpers */

/* A PNG chunk: length, type, data, CRC-32 of type and data. */
function pngChunk(type, data) {
	const head = Buffer.alloc(4);
	const crc = Buffer.alloc(4);
	const body = Buffer.concat([Buffer.from(type, "latin1"), data]);

	head.writeUInt32BE(data.length);
	crc.writeUInt32BE(zlib.crc32(body));
	return Buffer.concat([head, body, crc]);
}

/* An 8-bit RGB PNG of width x height, a gradient (every row differs). */
function gradientPng(width, height) {
	const ihdr = Buffer.alloc(13);
	const rows = Buffer.alloc((width * 3 + 1) * height);

	ihdr.writeUInt32BE(width, 0);
	ihdr.writeUInt32BE(height, 4);
	ihdr.set([8, 2, 0, 0, 0], 8);
	for (let y = 0, o = 0; y < height; y++) {
		rows[o++] = 0;
		for (let x = 0; x < width; x++) {
			rows[o++] = Math.floor(y * 255 / (height - 1));
			rows[o++] = Math.floor(x * 255 / (width - 1));
			rows[o++] = 160;
		}
	}
	return Buffer.concat([
		Buffer.from("\x89PNG\r\n\x1a\n", "latin1"),
		pngChunk("IHDR", ihdr),
		pngChunk("IDAT", zlib.deflateSync(rows)),
		pngChunk("IEND", Buffer.alloc(0)),
	]);
}

/* Add an account with shopctl (role: "--admin" or "--staff"). */
function addAccount(who, role) {
	shopctl(["user", "add", role, who.email, who.name], who.password + "\n");
}

/*
 * From the log-in page the back office sent an anonymous visitor to,
 * signed in: back to the page that was asked for.
 */
async function signIn(page, who, want) {
	await expectText(page.getByRole("heading", { level: 1 }), "Sign in");
	await page.getByLabel("Email", { exact: true }).fill(who.email);
	await page.getByLabel("Password", { exact: true }).fill(who.password);
	await Promise.all([
		page.waitForURL(want),
		page.getByRole("button", { name: "Sign in" }).click(),
	]);
}

/* Click a submit button and wait for the page it leads to. */
async function submit(page, name, want) {
	await Promise.all([
		page.waitForURL(want),
		page.getByRole("button", { name, exact: true }).click(),
	]);
}

/*
 * The gateway's refunds of a payment intent, newest first, as Stripe
 * lists them (GET /v1/refunds with the secret key).
 */
async function gatewayRefunds(intent) {
	const resp = await fetch(`${shop.gateway}/v1/refunds?payment_intent=` +
	    encodeURIComponent(intent), {
		headers: { Authorization: `Bearer ${shop.gateway_key}` },
	});
	expectEqual(resp.status, 200, "status of GET /v1/refunds");
	return (await resp.json()).data;
}

/* Reload page until the text of locator matches want (live or not). */
async function reloadUntil(page, locator, want, timeout = LIVE_TIMEOUT) {
	const end = Date.now() + timeout;

	for (;;) {
		const n = await locator.count();
		const got = n === 1 ? await textOf(locator) : `(${n} elements)`;
		if (want.test(got))
			return got;
		if (Date.now() > end)
			throw new Error(`${locator}: ${JSON.stringify(got)}, want ` +
			    `${want} (after ${timeout} ms of reloads)`);
		await sleep(250);
		await page.reload();
	}
}

/* ------------------------------------------------------------ tests */

test("admin_product_purchase_refund", async (t) => {
	addAccount(BOSS, "--admin");

	/* The administrator: to the back office through the log-in page. */
	const boss = await t.page(1280);
	await boss.goto("/admin");
	expectMatch(boss.url(), /\/account\/login\?next=%2Fadmin$/,
	    "an anonymous visitor of /admin is sent to");
	await signIn(boss, BOSS, /\/admin\?notice=signed_in$/);
	await expectText(boss.getByRole("heading", { level: 1 }), "Dashboard");
	await t.check(boss, "admin-dashboard");

	/* A new product with its first variant. */
	await t.visit(boss, "/admin/products/new", "admin-product-new");
	await boss.getByLabel("Name", { exact: true }).fill(PRODUCT.name);
	await boss.getByLabel(/^Description/)
	    .fill(PRODUCT.description);
	await boss.getByLabel(/^Category/)
	    .selectOption({ label: "Tea" });
	await boss.getByLabel("On sale (shown in the shop)").check();
	await boss.getByLabel("SKU", { exact: true }).fill(PRODUCT.sku);
	await boss.getByLabel("Price", { exact: true }).fill(PRODUCT.price);
	await boss.getByLabel(/^Stock/).fill(PRODUCT.stock);
	await submit(boss, "Create the product",
	    /\/admin\/products\/\d+(\?(notice|done)=\w+)?$/);
	await expectText(boss.getByRole("heading", { level: 1 }),
	    new RegExp(`^${PRODUCT.name}`));
	const productUrl = boss.url().split("?")[0];

	/* Its image, taken in at every width. */
	await boss.getByLabel("Image file", { exact: true }).setInputFiles({
		name: "caddy.png",
		mimeType: "image/png",
		buffer: gradientPng(900, 600),
	});
	await boss.getByLabel("What the image shows", { exact: true })
	    .fill("A wooden tea caddy with its lid off");
	await submit(boss, "Upload the image",
	    (u) => u.href.split("?")[0] === productUrl);
	await t.check(boss, "admin-product");

	/* The dashboard stays open for the order to appear on it. */
	await boss.goto("/admin");
	const live = boss.locator(".admin-live [data-live-field=summary]");
	await expectText(live,
	    "Orders paid while this page is open appear here.");

	/* A shopper finds it in the store and buys two. */
	const buyer = await (await t.session("buyer")).open();
	await buyer.goto(`/products/${PRODUCT.slug}`);
	await expectText(buyer.getByRole("heading", { level: 1 }),
	    PRODUCT.name);
	const img = buyer.locator(`img[alt="A wooden tea caddy with its lid off"]`)
	    .first();
	expectMatch(await img.getAttribute("srcset") || "",
	    /-320\.\w+ 320w, .*-640\.\w+ 640w/, "srcset of the product image");
	const loaded = await img.evaluate((el) => el.decode()
	    .then(() => el.naturalWidth));
	if (!(loaded > 0))
		throw new Error(`product image not loaded: ${loaded}`);
	await t.shot(buyer, "store-product");
	await addToCart(buyer, null, 2);
	await fillCheckout(buyer);
	await placeOrder(buyer);
	await payWith(buyer, CARD_OK);
	await expectText(orderStatus(buyer), "Status: Paid");
	const number = (await textOf(buyer.getByRole("heading",
	    { level: 1 }))).replace(/^Order /, "");
	const orderPage = buyer.url();

	/* On the dashboard without a reload. */
	await expectText(live, new RegExp(`${number}`), LIVE_TIMEOUT);
	await t.check(boss, "admin-dashboard-live");

	/* The order in the back office: paid, a refund of €5.00. */
	await boss.goto("/admin/orders");
	await Promise.all([
		boss.waitForURL(new RegExp(`/admin/orders/${number}$`)),
		boss.getByRole("link", { name: number, exact: true }).first()
		    .click(),
	]);
	await t.check(boss, "admin-order");
	const intent = await textOf(boss.locator(
	    "dt:text-is('Payment intent') + dd code"));
	await boss.getByLabel(/^Amount/).fill("5.00");
	await submit(boss, "Refund",
	    new RegExp(`/admin/orders/${number}(\\?(notice|done)=\\w+)?$`));
	await reloadUntil(boss, boss.locator("dt:text-is('Refunded') + dd"),
	    /^€5\.00$/);
	await t.check(boss, "admin-order-refunded");

	/* The gateway holds exactly that refund of that payment. */
	const refunds = await gatewayRefunds(intent);
	expectEqual(refunds.length, 1, "refunds at the gateway");
	expectEqual(refunds[0].amount, 500, "amount refunded at the gateway");
	expectEqual(refunds[0].status, "succeeded", "refund status");

	/* And the shopper's order page says so. */
	await buyer.goto(orderPage);
	await expectText(buyer.locator(".notice-info"),
	    "€5.00 of this order has been refunded.");
	await t.check(buyer, "order-refunded");

	/* The stock went from 3 to 1; the back office says so too. */
	await boss.goto(productUrl);
	await expectText(boss.locator(".admin-variant dt:text-is('Stock') + dd"),
	    /^1 /);
});

test("admin_roles", async (t) => {
	addAccount(CLERK, "--staff");
	const page = await t.page(1280);

	await page.goto("/admin/orders");
	await signIn(page, CLERK, /\/admin\/orders\?notice=signed_in$/);
	await expectText(page.getByRole("heading", { level: 1 }), /^Orders/);
	await t.check(page, "admin-orders");

	/* The staff accounts are the administrators' alone. */
	t.allowed.push(/status of 403 \(Forbidden\)/);
	const resp = await page.goto("/admin/staff");
	expectEqual(resp.status(), 403, "status of /admin/staff for staff");
	await t.check(page, "admin-forbidden");

	/* A product's page shows, with no form to change it. */
	await page.goto("/admin/products");
	await t.check(page, "admin-products");
	expectEqual(await page.getByRole("link", { name: "New product" })
	    .count(), 0, "\"New product\" links shown to staff");

	/* At 390 px the back office is usable: nothing scrolls sideways. */
	const phone = await t.page(390);
	await phone.goto("/admin/orders");
	await signIn(phone, CLERK, /\/admin\/orders\?notice=signed_in$/);
	await t.check(phone, "admin-orders");
	await expectNoSideScroll(phone, "/admin/orders");
});

main();

-- The shop's own pages (lib/shop/content.c): about, shipping, returns,
-- privacy, terms, contact and the legal notice, written in Markdown in
-- the back office and shown at /pages/<slug>.
--
-- body is Markdown as the merchant typed it; the shop renders it with
-- libcmark (raw HTML off) and keeps what it rendered in cache.db under
-- the page's version, which every change of title or body raises (the
-- trigger below), so a page is rendered once per version. The set of
-- pages is fixed: these rows are made here and only ever changed.
CREATE TABLE content_pages (
	id		INTEGER PRIMARY KEY,
	slug		TEXT NOT NULL UNIQUE
			CHECK (length(slug) BETWEEN 1 AND 40 AND
			    slug NOT GLOB '*[^a-z0-9-]*'),
	title		TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 120),
	body		TEXT NOT NULL CHECK (length(body) <= 16000),
	position	INTEGER NOT NULL DEFAULT 0,
	version		INTEGER NOT NULL DEFAULT 1,
	updated_at	TEXT NOT NULL
			DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

CREATE TRIGGER content_pages_version_au AFTER UPDATE OF title, body
ON content_pages
WHEN new.title IS NOT old.title OR new.body IS NOT old.body
BEGIN
	UPDATE content_pages SET version = old.version + 1,
	    updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
	WHERE id = new.id;
END;

INSERT INTO content_pages (slug, title, position, body) VALUES
('about', 'About us', 1,
'We are a small independent shop. We choose every product we sell
ourselves, and we pack and send every order from our own workshop.

## How we work

- We keep our range small, so that we know each product well.
- Prices include tax: what you see on a product page is what you pay,
  apart from shipping, which checkout shows before you pay.
- A question before or after you order? [Write to us](/pages/contact).
'),
('shipping', 'Shipping', 2,
'We send orders on working days, usually on the day after you order.

## Costs and times

Checkout shows every shipping method available for your address with its
price, before you pay. Orders over the free-shipping threshold of a
method are sent free with it.

- **Standard:** 3 to 5 working days.
- **Express:** 1 to 2 working days.

## Tracking

When your parcel leaves, we email you its carrier and tracking number.
'),
('returns', 'Returns and refunds', 3,
'You may return any product within **30 days** of receiving it, for any
reason, as long as it is unused and in its packaging.

1. [Write to us](/pages/contact) with your order number.
2. We answer with the return address.
3. Once the parcel reaches us, we refund the products (and the standard
   shipping cost, for a whole order) to the card you paid with, within
   14 days.

A product that arrives damaged or faulty is replaced or refunded at our
cost: tell us within 30 days.
'),
('privacy', 'Privacy', 4,
'We keep only what we need to sell to you and to send your orders.

## What we keep

- Your name, email address and the addresses you give us, with your
  orders.
- Your account, if you make one: your password is kept only as a hash.
- No card number: payments are made on our payment provider''s page.

## Why, and for how long

We use these to take, send and answer for your orders, and keep them as
long as the law on accounting asks (ten years for invoices). We share
them only with the carrier and the payment provider, for your order.

## Your rights

You may ask to see, correct or delete what we hold about you:
[write to us](/pages/contact). You may also complain to your data
protection authority.

This shop sets only the cookies it needs to work (your cart and your
session), and no tracking cookie.
'),
('terms', 'Terms of sale', 5,
'These terms apply to every order placed in this shop.

## Orders and prices

Prices are shown in the shop''s currency and include tax. Shipping is
added at checkout, before you pay. An order is accepted once it is paid.

## Payment

Payment is by card, on our payment provider''s secure page. Your card is
charged when you place the order.

## Delivery

See [Shipping](/pages/shipping). The risk passes to you when the parcel
is delivered.

## Withdrawal and returns

You have 14 days from delivery to withdraw from the sale without giving
a reason; we allow 30. See [Returns and refunds](/pages/returns).

## Guarantees

Products carry the legal guarantees of conformity and against hidden
defects.
'),
('contact', 'Contact', 6,
'We answer every message within two working days.

- **Email:** shop@example.com
- **Post:** 1 Example Street, 75000 Paris, France

Please give your order number if your message is about an order.
'),
('legal-notice', 'Legal notice', 7,
'## Publisher

This shop is published by Example Shop SAS, with a capital of 10,000
euros, registered at the Paris trade register under number 000 000 000,
VAT number FR00 000000000.

- **Registered office:** 1 Example Street, 75000 Paris, France
- **Publishing director:** the manager of Example Shop SAS
- **Contact:** shop@example.com

## Host

The shop is hosted by its publisher, at the address above.
');

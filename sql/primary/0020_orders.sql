-- Orders and payments: what was bought, what was charged, and every
-- change with its cause. Orders, payments and payment events use
-- AUTOINCREMENT so sqlite_sequence records every id ever handed out, and
-- nothing is ever deleted from them: "shopctl audit" proves the books by
-- finding every id from 1 to the sequence.

CREATE TABLE shipping_methods (
	id		INTEGER PRIMARY KEY,
	code		TEXT NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 40),
	name		TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
	price		INTEGER NOT NULL CHECK (price >= 0),
	currency	TEXT NOT NULL CHECK (length(currency) = 3),
	-- Free when the subtotal reaches this amount; NULL: never free.
	free_over	INTEGER CHECK (free_over IS NULL OR free_over >= 0),
	position	INTEGER NOT NULL DEFAULT 0,
	active		INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
);

-- Tax by destination country (ISO 3166-1 alpha-2; "*" for anywhere else).
-- rate_bp is in basis points (2000 = 20%). Inclusive rates are already
-- in the catalog prices; exclusive rates are added at checkout.
CREATE TABLE tax_rates (
	id		INTEGER PRIMARY KEY,
	country		TEXT NOT NULL UNIQUE
			CHECK (country = '*' OR (length(country) = 2 AND country NOT GLOB '*[^A-Z]*')),
	name		TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 40),
	rate_bp		INTEGER NOT NULL CHECK (rate_bp BETWEEN 0 AND 10000),
	inclusive	INTEGER NOT NULL CHECK (inclusive IN (0, 1))
);

CREATE TABLE orders (
	id		INTEGER PRIMARY KEY AUTOINCREMENT,
	number		TEXT UNIQUE,		-- "SF-000042", set in the creating transaction
	token		TEXT NOT NULL UNIQUE CHECK (length(token) >= 32),
	state		TEXT NOT NULL DEFAULT 'pending_payment' CHECK (state IN
			('pending_payment', 'paid', 'fulfilled', 'cancelled',
			 'refunded', 'partially_refunded')),
	email		TEXT NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
	user_id		INTEGER,
	-- A repeated POST /checkout with the same key finds this order.
	checkout_key	TEXT UNIQUE,
	currency	TEXT NOT NULL CHECK (length(currency) = 3),
	subtotal	INTEGER NOT NULL CHECK (subtotal >= 0),
	shipping	INTEGER NOT NULL CHECK (shipping >= 0),
	tax		INTEGER NOT NULL CHECK (tax >= 0),
	total		INTEGER NOT NULL CHECK (total >= 0),
	tax_name	TEXT NOT NULL,
	tax_rate_bp	INTEGER NOT NULL,
	tax_inclusive	INTEGER NOT NULL CHECK (tax_inclusive IN (0, 1)),
	shipping_code	TEXT NOT NULL,
	shipping_name	TEXT NOT NULL,
	ship_name	TEXT NOT NULL,
	ship_line1	TEXT NOT NULL,
	ship_line2	TEXT NOT NULL DEFAULT '',
	ship_city	TEXT NOT NULL,
	ship_postcode	TEXT NOT NULL,
	ship_country	TEXT NOT NULL CHECK (length(ship_country) = 2),
	-- The payment: the latest Checkout Session and its attempt number.
	payment_attempt	INTEGER NOT NULL DEFAULT 0,
	session_id	TEXT UNIQUE,
	session_url	TEXT,
	payment_intent	TEXT,
	amount_paid	INTEGER NOT NULL DEFAULT 0 CHECK (amount_paid >= 0),
	amount_refunded	INTEGER NOT NULL DEFAULT 0 CHECK (amount_refunded >= 0),
	-- Stock is held until this time (unix seconds), then released.
	reserved_until	INTEGER NOT NULL,
	stock_held	INTEGER NOT NULL DEFAULT 1 CHECK (stock_held IN (0, 1)),
	-- Recreated by reconcile from the gateway's record of the session.
	recovered	INTEGER NOT NULL DEFAULT 0 CHECK (recovered IN (0, 1)),
	created_at	TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
	updated_at	TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
	paid_at		TEXT,
	CHECK (total = subtotal + shipping + CASE WHEN tax_inclusive THEN 0 ELSE tax END),
	CHECK (amount_refunded <= amount_paid)
);
CREATE INDEX orders_user ON orders (user_id, id);
CREATE INDEX orders_pending ON orders (state, reserved_until);
CREATE INDEX orders_payment_intent ON orders (payment_intent);

-- A snapshot of each line at the moment of ordering: later catalog
-- changes do not rewrite what was sold.
CREATE TABLE order_lines (
	id		INTEGER PRIMARY KEY,
	order_id	INTEGER NOT NULL REFERENCES orders(id),
	variant_id	INTEGER REFERENCES variants(id) ON DELETE SET NULL,
	product_name	TEXT NOT NULL,
	variant_title	TEXT NOT NULL,
	sku		TEXT NOT NULL,
	unit_price	INTEGER NOT NULL CHECK (unit_price >= 0),
	quantity	INTEGER NOT NULL CHECK (quantity > 0),
	line_total	INTEGER NOT NULL CHECK (line_total = unit_price * quantity),
	tax		INTEGER NOT NULL CHECK (tax >= 0)
);
CREATE INDEX order_lines_order ON order_lines (order_id);

-- Every state change of an order, with what caused it.
CREATE TABLE order_events (
	id		INTEGER PRIMARY KEY AUTOINCREMENT,
	order_id	INTEGER NOT NULL REFERENCES orders(id),
	from_state	TEXT,
	to_state	TEXT NOT NULL,
	source		TEXT NOT NULL,	-- checkout, webhook, success_page, reconcile, expiry, admin
	cause		TEXT NOT NULL,
	ref		TEXT,		-- event id, session id, refund id
	created_at	TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX order_events_order ON order_events (order_id, id);

-- One row per payment received. A session is paid at most once, and an
-- order has at most one payment: a second one is a double charge and is
-- refused here, whatever the code above tries.
CREATE TABLE payments (
	id		INTEGER PRIMARY KEY AUTOINCREMENT,
	order_id	INTEGER NOT NULL UNIQUE REFERENCES orders(id),
	session_id	TEXT NOT NULL UNIQUE,
	payment_intent	TEXT,
	amount		INTEGER NOT NULL CHECK (amount > 0),
	currency	TEXT NOT NULL CHECK (length(currency) = 3),
	amount_refunded	INTEGER NOT NULL DEFAULT 0 CHECK (amount_refunded >= 0),
	source		TEXT NOT NULL,
	created_at	TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
	CHECK (amount_refunded <= amount)
);

-- Webhook events as received, stored once by their id in the same
-- transaction as their effect.
CREATE TABLE payment_events (
	id		INTEGER PRIMARY KEY AUTOINCREMENT,
	event_id	TEXT NOT NULL UNIQUE,
	type		TEXT NOT NULL,
	session_id	TEXT,
	order_id	INTEGER,
	outcome		TEXT NOT NULL,
	payload		TEXT NOT NULL CHECK (json_valid(payload)),
	received_at	TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX payment_events_session ON payment_events (session_id);
CREATE INDEX payment_events_outcome ON payment_events (outcome);

-- What an operator must look at: unknown orders, amounts that disagree,
-- repairs made by reconcile, changes in the back office.
CREATE TABLE audit_log (
	id		INTEGER PRIMARY KEY AUTOINCREMENT,
	kind		TEXT NOT NULL,
	order_id	INTEGER,
	actor		TEXT NOT NULL,	-- webhook, reconcile, admin:<email>, ...
	detail		TEXT NOT NULL,
	created_at	TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX audit_log_kind ON audit_log (kind, id);

-- Orders, payments and their events are records: never deleted.
CREATE TRIGGER orders_no_delete BEFORE DELETE ON orders BEGIN
	SELECT RAISE(ABORT, 'orders are never deleted');
END;
CREATE TRIGGER payments_no_delete BEFORE DELETE ON payments BEGIN
	SELECT RAISE(ABORT, 'payments are never deleted');
END;
CREATE TRIGGER payment_events_no_delete BEFORE DELETE ON payment_events BEGIN
	SELECT RAISE(ABORT, 'payment events are never deleted');
END;
CREATE TRIGGER order_events_no_delete BEFORE DELETE ON order_events BEGIN
	SELECT RAISE(ABORT, 'order events are never deleted');
END;

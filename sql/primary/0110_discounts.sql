-- Discount codes (lib/shop/discount.c) and their uses.
--
-- A code is matched without regard to case (COLLATE NOCASE, ASCII) and
-- is unique that way. value is, by kind:
--   percent        basis points of the subtotal (1000 = 10%), 1..10000
--   fixed          minor units of currency, taken off the subtotal
--   free_shipping  0: the shipping of the order is waived
-- min_subtotal is in minor units of the subtotal before the discount.
-- starts_at and ends_at are Unix times (NULL: no bound); the code is
-- good from starts_at included to ends_at excluded.
-- usage_limit counts the uses of every customer, per_customer_limit
-- those of one customer (by account, or by email for guests); NULL: no
-- limit.
CREATE TABLE discounts (
	id		INTEGER PRIMARY KEY,
	code		TEXT NOT NULL COLLATE NOCASE UNIQUE
			CHECK (length(code) BETWEEN 1 AND 40),
	kind		TEXT NOT NULL
			CHECK (kind IN ('percent', 'fixed', 'free_shipping')),
	value		INTEGER NOT NULL CHECK (value >= 0),
	currency	TEXT NOT NULL CHECK (length(currency) = 3),
	min_subtotal	INTEGER NOT NULL DEFAULT 0 CHECK (min_subtotal >= 0),
	starts_at	INTEGER,
	ends_at		INTEGER,
	usage_limit	INTEGER CHECK (usage_limit IS NULL OR usage_limit >= 0),
	per_customer_limit INTEGER
			CHECK (per_customer_limit IS NULL OR per_customer_limit >= 0),
	active		INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
	created_at	INTEGER NOT NULL,
	updated_at	INTEGER NOT NULL,
	CHECK (kind != 'percent' OR value BETWEEN 1 AND 10000),
	CHECK (starts_at IS NULL OR ends_at IS NULL OR starts_at < ends_at)
);

-- One row per order placed with a code, written in the transaction that
-- creates the order, which also counts the uses before it: writes are
-- serialized (flock, BEGIN IMMEDIATE), so a limit is never passed. An
-- order cancelled or expired unpaid gives its use back (released = 1);
-- a cancelled order paid after all takes it again (released = 0).
CREATE TABLE discount_uses (
	id		INTEGER PRIMARY KEY,
	discount_id	INTEGER NOT NULL REFERENCES discounts(id),
	order_id	INTEGER NOT NULL UNIQUE REFERENCES orders(id),
	user_id		INTEGER,
	email		TEXT NOT NULL,
	released	INTEGER NOT NULL DEFAULT 0 CHECK (released IN (0, 1)),
	created_at	INTEGER NOT NULL
);
CREATE INDEX discount_uses_discount ON discount_uses (discount_id, released);
CREATE INDEX discount_uses_email ON discount_uses (discount_id, email);
CREATE INDEX discount_uses_user ON discount_uses (discount_id, user_id);

-- The discount in the order's snapshot. The orders table requires
-- total = subtotal + shipping (+ tax when added), so subtotal is what
-- the goods cost after the discount: subtotal + discount is the sum of
-- the lines. shipping_discount is the shipping waived by a
-- free_shipping code (shipping is then 0). Each line keeps its share of
-- the discount, on which its tax was computed.
ALTER TABLE orders ADD COLUMN discount_code TEXT;
ALTER TABLE orders ADD COLUMN discount_kind TEXT;
ALTER TABLE orders ADD COLUMN discount INTEGER NOT NULL DEFAULT 0
	CHECK (discount >= 0);
ALTER TABLE orders ADD COLUMN shipping_discount INTEGER NOT NULL DEFAULT 0
	CHECK (shipping_discount >= 0);
ALTER TABLE order_lines ADD COLUMN discount INTEGER NOT NULL DEFAULT 0
	CHECK (discount >= 0);

-- The code a cart carries to the checkout ('': none).
ALTER TABLE carts ADD COLUMN discount_code TEXT NOT NULL DEFAULT '';

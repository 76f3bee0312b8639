-- Refunds the shop issues through the gateway (lib/shop/refund.c). A
-- refund is written first (requested), its id naming the gateway request's
-- Idempotency-Key, then asked of the gateway outside any transaction,
-- then recorded (succeeded or failed) in a write of its own: a retry, by
-- this program or another generation of it, sends the same request under
-- the same key and can never refund twice. AUTOINCREMENT: "shopctl audit"
-- finds every id from 1 to the sequence, as for orders and payments.

CREATE TABLE refunds (
	id		INTEGER PRIMARY KEY AUTOINCREMENT,
	order_id	INTEGER NOT NULL REFERENCES orders(id),
	-- What the gateway is asked to refund, tax and shipping included.
	amount		INTEGER NOT NULL CHECK (amount > 0),
	currency	TEXT NOT NULL CHECK (length(currency) = 3),
	-- The part of amount that is the order's shipping (and its tax).
	shipping	INTEGER NOT NULL DEFAULT 0
			CHECK (shipping >= 0 AND shipping <= amount),
	-- Stripe's reasons; NULL: none given.
	reason		TEXT CHECK (reason IS NULL OR reason IN
			('duplicate', 'fraudulent', 'requested_by_customer')),
	state		TEXT NOT NULL DEFAULT 'requested' CHECK (state IN
			('requested', 'succeeded', 'failed')),
	payment_intent	TEXT NOT NULL,
	-- "order-<order id>-<order token>-refund-<id>", set in the creating
	-- transaction: an id handed out again after a restore belongs to
	-- another order (another token), so its key cannot collide.
	idempotency_key	TEXT UNIQUE,
	gateway_id	TEXT UNIQUE,
	error		TEXT,
	actor		TEXT NOT NULL,	-- admin:<email>, shopctl, ...
	created_at	TEXT NOT NULL,
	updated_at	TEXT NOT NULL,
	CHECK (state != 'succeeded' OR gateway_id IS NOT NULL),
	CHECK (state != 'failed' OR error IS NOT NULL)
);
CREATE INDEX refunds_order ON refunds (order_id, id);
CREATE INDEX refunds_state ON refunds (state, id);

-- The order lines a refund is for, when it is for lines: how many units,
-- the amount (tax added when the order's tax was added to its prices),
-- and whether the units go back into stock when it succeeds.
CREATE TABLE refund_lines (
	id		INTEGER PRIMARY KEY,
	refund_id	INTEGER NOT NULL REFERENCES refunds(id),
	order_line_id	INTEGER NOT NULL REFERENCES order_lines(id),
	quantity	INTEGER NOT NULL CHECK (quantity > 0),
	amount		INTEGER NOT NULL CHECK (amount >= 0),
	tax		INTEGER NOT NULL CHECK (tax >= 0),
	restock		INTEGER NOT NULL DEFAULT 0 CHECK (restock IN (0, 1)),
	UNIQUE (refund_id, order_line_id)
);
CREATE INDEX refund_lines_line ON refund_lines (order_line_id);

-- Records: never deleted, and a refund's state only moves forward.
CREATE TRIGGER refunds_no_delete BEFORE DELETE ON refunds BEGIN
	SELECT RAISE(ABORT, 'refunds are never deleted');
END;
CREATE TRIGGER refund_lines_no_delete BEFORE DELETE ON refund_lines BEGIN
	SELECT RAISE(ABORT, 'refund lines are never deleted');
END;
CREATE TRIGGER refunds_state_forward BEFORE UPDATE OF state ON refunds
WHEN old.state != 'requested' AND new.state != old.state BEGIN
	SELECT RAISE(ABORT, 'a refund that succeeded or failed stays so');
END;

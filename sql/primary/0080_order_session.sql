-- The browser session that placed an order. Only that session (or the
-- signed-in customer the order belongs to) is shown the order from a
-- form's checkout key or a payment's success link, and it is shown its
-- unpaid orders on the cart and checkout pages. A session that ends
-- (logged out, swept) lets go of its orders; its row id, which a new
-- session may take again, then names none of them.
ALTER TABLE orders ADD COLUMN placed_by_session INTEGER
	REFERENCES sessions(id) ON DELETE SET NULL;
CREATE INDEX orders_placed_by_session ON orders (placed_by_session, state);

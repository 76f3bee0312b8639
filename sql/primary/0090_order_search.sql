-- The back office's search of orders (lib/shop/order.c, orders_search):
-- words of the number, the email and the name on the address,
-- case-insensitive, accents folded, each word's start matching, without
-- reading every order. The rowid is the order's id; the text stays in
-- orders (an external-content table), and the triggers keep the index
-- in step. Orders are never deleted, so no trigger is needed for that.
CREATE VIRTUAL TABLE order_search USING fts5(
	number, email, ship_name,
	content = 'orders', content_rowid = 'id',
	tokenize = 'unicode61 remove_diacritics 2',
	prefix = '2 3'
);

CREATE TRIGGER orders_search_ai AFTER INSERT ON orders BEGIN
	INSERT INTO order_search (rowid, number, email, ship_name)
	VALUES (new.id, new.number, new.email, new.ship_name);
END;

-- The number is set by an update in the creating write (it is the id's).
CREATE TRIGGER orders_search_au AFTER UPDATE OF number, email, ship_name
ON orders BEGIN
	INSERT INTO order_search (order_search, rowid, number, email, ship_name)
	VALUES ('delete', old.id, old.number, old.email, old.ship_name);
	INSERT INTO order_search (rowid, number, email, ship_name)
	VALUES (new.id, new.number, new.email, new.ship_name);
END;

-- The orders there are already.
INSERT INTO order_search (order_search) VALUES ('rebuild');

-- The back office at 100k orders, 50k products and 20k customers (make
-- bench measures it): what its dashboard and customer list read on every
-- view costs a few rows, however large the shop.

-- The figures of each customer on the customers list (orders, paid
-- orders, lifetime value, its currency): four lookups per row, each in
-- this index alone.
CREATE INDEX orders_user_figures ON orders
	(user_id, id, paid_at, currency, amount_paid, amount_refunded);

-- Sales per UTC day of payment and currency: the orders paid that day
-- (counted once, whatever happens to them later) and what they brought,
-- paid less refunded, kept by the triggers below as orders are paid and
-- refunded, so the dashboard sums a row a day instead of every order of
-- the month.
CREATE TABLE sales_days (
	day		TEXT NOT NULL,		-- "2026-12-03", of paid_at
	currency	TEXT NOT NULL,
	orders		INTEGER NOT NULL,
	revenue		INTEGER NOT NULL,	-- minor units
	PRIMARY KEY (day, currency)
) WITHOUT ROWID;

INSERT INTO sales_days (day, currency, orders, revenue)
SELECT substr(paid_at, 1, 10), currency, count(*),
    sum(amount_paid - amount_refunded)
FROM orders WHERE paid_at IS NOT NULL GROUP BY 1, 2;

-- An order's part is taken off the day it had and put on the day it has:
-- a payment, a refund, or a repair of either, whichever program makes it.
CREATE TRIGGER sales_days_ai AFTER INSERT ON orders
WHEN new.paid_at IS NOT NULL BEGIN
	INSERT INTO sales_days (day, currency, orders, revenue)
	VALUES (substr(new.paid_at, 1, 10), new.currency, 1,
	    new.amount_paid - new.amount_refunded)
	ON CONFLICT (day, currency) DO UPDATE SET
	    orders = orders + excluded.orders,
	    revenue = revenue + excluded.revenue;
END;
CREATE TRIGGER sales_days_au AFTER UPDATE OF paid_at, currency, amount_paid,
    amount_refunded ON orders BEGIN
	INSERT INTO sales_days (day, currency, orders, revenue)
	SELECT substr(old.paid_at, 1, 10), old.currency, -1,
	    -(old.amount_paid - old.amount_refunded)
	WHERE old.paid_at IS NOT NULL
	ON CONFLICT (day, currency) DO UPDATE SET
	    orders = orders + excluded.orders,
	    revenue = revenue + excluded.revenue;
	INSERT INTO sales_days (day, currency, orders, revenue)
	SELECT substr(new.paid_at, 1, 10), new.currency, 1,
	    new.amount_paid - new.amount_refunded
	WHERE new.paid_at IS NOT NULL
	ON CONFLICT (day, currency) DO UPDATE SET
	    orders = orders + excluded.orders,
	    revenue = revenue + excluded.revenue;
END;

-- Customers searched by any part of their email or name (three
-- characters or more), case-insensitively, without reading every
-- account: trigrams of both, kept in step with users by the triggers.
CREATE VIRTUAL TABLE user_search USING fts5(
	email, name,
	content = 'users', content_rowid = 'id',
	tokenize = 'trigram'
);
INSERT INTO user_search (user_search) VALUES ('rebuild');

CREATE TRIGGER user_search_ai AFTER INSERT ON users BEGIN
	INSERT INTO user_search (rowid, email, name)
	VALUES (new.id, new.email, new.name);
END;
CREATE TRIGGER user_search_au AFTER UPDATE OF email, name ON users BEGIN
	INSERT INTO user_search (user_search, rowid, email, name)
	VALUES ('delete', old.id, old.email, old.name);
	INSERT INTO user_search (rowid, email, name)
	VALUES (new.id, new.email, new.name);
END;
CREATE TRIGGER user_search_ad AFTER DELETE ON users BEGIN
	INSERT INTO user_search (user_search, rowid, email, name)
	VALUES ('delete', old.id, old.email, old.name);
END;

-- "Notify me" on a sold-out variant (lib/shop/restock.c): an email
-- address to mail once, through the outbox, when the variant is back in
-- stock. The mail is queued in the transaction that raises the stock
-- (lib/shop/inventory.c, stock_record()), and notified_at set with it,
-- so a request is mailed once per time it is made: asking again after
-- the mail makes it pending again, and mails counts the mails, which
-- names each one's job (its unique key).
CREATE TABLE restock_requests (
	id		INTEGER PRIMARY KEY,
	variant_id	INTEGER NOT NULL REFERENCES variants(id)
			ON DELETE CASCADE,
	email		TEXT NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
	created_at	TEXT NOT NULL
			DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
	notified_at	TEXT,
	mails		INTEGER NOT NULL DEFAULT 0 CHECK (mails >= 0),
	UNIQUE (variant_id, email)
);

CREATE INDEX restock_requests_pending ON restock_requests (variant_id)
WHERE notified_at IS NULL;

-- Invoices and credit notes (lib/shop/invoice.c): what an accountant
-- keeps. A paid order gets an invoice, numbered from a gapless sequence
-- per year ("INV-2026-000001"), in the write that marks it paid; a refund
-- that succeeded gets a credit note from its own sequence
-- ("CN-2026-000001") in the write that records it. Each is a snapshot of
-- the seller (the settings of the moment), the buyer, the lines, the tax
-- and the totals, and is never changed after it is issued: the triggers
-- below refuse any UPDATE or DELETE. "shopctl audit" proves each
-- sequence runs from 1 without a gap and each document matches its order
-- or refund.

CREATE TABLE invoices (
	id		INTEGER PRIMARY KEY AUTOINCREMENT,
	year		INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 9999),
	seq		INTEGER NOT NULL CHECK (seq >= 1),
	number		TEXT NOT NULL UNIQUE
			CHECK (number = printf('INV-%04d-%06d', year, seq)),
	order_id	INTEGER NOT NULL UNIQUE REFERENCES orders(id),
	order_number	TEXT NOT NULL,
	issued_at	TEXT NOT NULL,
	currency	TEXT NOT NULL CHECK (length(currency) = 3),
	seller_name	TEXT NOT NULL,
	seller_address	TEXT NOT NULL,
	seller_vat	TEXT NOT NULL,
	buyer_name	TEXT NOT NULL,
	buyer_email	TEXT NOT NULL,
	buyer_address	TEXT NOT NULL,		-- lines parted by "\n"
	-- Amounts as the order charged them: lines (and shipping) are tax
	-- included when tax_inclusive, else tax is added to them.
	subtotal	INTEGER NOT NULL,
	shipping	INTEGER NOT NULL,
	tax		INTEGER NOT NULL,
	total		INTEGER NOT NULL,
	tax_inclusive	INTEGER NOT NULL CHECK (tax_inclusive IN (0, 1)),
	UNIQUE (year, seq)
);

CREATE TABLE invoice_lines (
	id		INTEGER PRIMARY KEY,
	invoice_id	INTEGER NOT NULL REFERENCES invoices(id),
	position	INTEGER NOT NULL CHECK (position >= 1),
	description	TEXT NOT NULL,
	sku		TEXT NOT NULL,
	quantity	INTEGER NOT NULL,
	unit_price	INTEGER NOT NULL,
	amount		INTEGER NOT NULL,	-- as charged, see tax_inclusive
	tax		INTEGER NOT NULL CHECK (tax >= 0),
	tax_name	TEXT NOT NULL,
	tax_rate_bp	INTEGER NOT NULL CHECK (tax_rate_bp BETWEEN 0 AND 10000),
	UNIQUE (invoice_id, position)
);

CREATE TABLE credit_notes (
	id		INTEGER PRIMARY KEY AUTOINCREMENT,
	year		INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 9999),
	seq		INTEGER NOT NULL CHECK (seq >= 1),
	number		TEXT NOT NULL UNIQUE
			CHECK (number = printf('CN-%04d-%06d', year, seq)),
	refund_id	INTEGER NOT NULL UNIQUE REFERENCES refunds(id),
	order_id	INTEGER NOT NULL REFERENCES orders(id),
	-- The order's first, second, ... credit note: /credit-notes/{n}.
	ordinal		INTEGER NOT NULL CHECK (ordinal >= 1),
	invoice_id	INTEGER REFERENCES invoices(id),	-- NULL: paid before invoices
	order_number	TEXT NOT NULL,
	issued_at	TEXT NOT NULL,
	currency	TEXT NOT NULL CHECK (length(currency) = 3),
	seller_name	TEXT NOT NULL,
	seller_address	TEXT NOT NULL,
	seller_vat	TEXT NOT NULL,
	buyer_name	TEXT NOT NULL,
	buyer_email	TEXT NOT NULL,
	buyer_address	TEXT NOT NULL,
	-- The money given back, tax included, and the tax in it.
	total		INTEGER NOT NULL CHECK (total > 0),
	tax		INTEGER NOT NULL CHECK (tax >= 0),
	UNIQUE (year, seq),
	UNIQUE (order_id, ordinal)
);

-- Lines of a credit note: amounts given back, tax included.
CREATE TABLE credit_note_lines (
	id		INTEGER PRIMARY KEY,
	credit_note_id	INTEGER NOT NULL REFERENCES credit_notes(id),
	position	INTEGER NOT NULL CHECK (position >= 1),
	description	TEXT NOT NULL,
	quantity	INTEGER NOT NULL,
	amount		INTEGER NOT NULL,
	tax		INTEGER NOT NULL CHECK (tax >= 0),
	tax_name	TEXT NOT NULL,
	tax_rate_bp	INTEGER NOT NULL CHECK (tax_rate_bp BETWEEN 0 AND 10000),
	UNIQUE (credit_note_id, position)
);

-- Where the books begin: orders and refunds from these ids on must each
-- have their document (those before were paid or refunded without one).
CREATE TABLE books_start (
	id		INTEGER PRIMARY KEY CHECK (id = 1),
	first_order_id	INTEGER NOT NULL,
	first_refund_id	INTEGER NOT NULL
);
INSERT INTO books_start (id, first_order_id, first_refund_id) VALUES (1,
    coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'orders'), 0) + 1,
    coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'refunds'), 0) + 1);

CREATE TRIGGER invoices_no_update BEFORE UPDATE ON invoices BEGIN
	SELECT RAISE(ABORT, 'an invoice is never changed once issued');
END;
CREATE TRIGGER invoices_no_delete BEFORE DELETE ON invoices BEGIN
	SELECT RAISE(ABORT, 'an invoice is never deleted');
END;
CREATE TRIGGER invoice_lines_no_update BEFORE UPDATE ON invoice_lines BEGIN
	SELECT RAISE(ABORT, 'an invoice is never changed once issued');
END;
CREATE TRIGGER invoice_lines_no_delete BEFORE DELETE ON invoice_lines BEGIN
	SELECT RAISE(ABORT, 'an invoice is never deleted');
END;
CREATE TRIGGER credit_notes_no_update BEFORE UPDATE ON credit_notes BEGIN
	SELECT RAISE(ABORT, 'a credit note is never changed once issued');
END;
CREATE TRIGGER credit_notes_no_delete BEFORE DELETE ON credit_notes BEGIN
	SELECT RAISE(ABORT, 'a credit note is never deleted');
END;
CREATE TRIGGER credit_note_lines_no_update BEFORE UPDATE ON credit_note_lines
BEGIN
	SELECT RAISE(ABORT, 'a credit note is never changed once issued');
END;
CREATE TRIGGER credit_note_lines_no_delete BEFORE DELETE ON credit_note_lines
BEGIN
	SELECT RAISE(ABORT, 'a credit note is never deleted');
END;

CREATE INDEX invoices_issued ON invoices (issued_at);
CREATE INDEX credit_notes_invoice ON credit_notes (invoice_id);

-- The back office: staff roles, the log of every change made there, notes
-- on orders, and the indexes its lists and dashboard read.

-- An account's role in the back office. users.role keeps 'admin' for the
-- administrators (a program of the previous build reads it); staff_role,
-- when set, says staff or admin. What counts: staff_role if set, else
-- role (shop/user.h, user_role_sql).
ALTER TABLE users ADD COLUMN staff_role TEXT
	CHECK (staff_role IS NULL OR staff_role IN ('staff', 'admin'));

-- Who changed what in the back office, before and after (JSON objects of
-- the fields that matter), written in the transaction of the change.
-- Never changed, never deleted.
CREATE TABLE admin_log (
	id		INTEGER PRIMARY KEY AUTOINCREMENT,
	actor_id	INTEGER,		-- users.id; NULL from shopctl
	actor		TEXT NOT NULL,		-- the account's email, or "shopctl"
	action		TEXT NOT NULL,		-- "product.create", "order.ship", ...
	object_type	TEXT NOT NULL,		-- "product", "order", ...
	object_id	INTEGER,
	label		TEXT NOT NULL DEFAULT '', -- a name or number to read
	before		TEXT CHECK (before IS NULL OR json_valid(before)),
	after		TEXT CHECK (after IS NULL OR json_valid(after)),
	created_at	INTEGER NOT NULL
);
CREATE INDEX admin_log_object ON admin_log (object_type, object_id, id);
CREATE INDEX admin_log_actor ON admin_log (actor_id, id);
CREATE TRIGGER admin_log_no_update BEFORE UPDATE ON admin_log BEGIN
	SELECT RAISE(ABORT, 'the admin log is never changed');
END;
CREATE TRIGGER admin_log_no_delete BEFORE DELETE ON admin_log BEGIN
	SELECT RAISE(ABORT, 'the admin log is never deleted');
END;

-- Notes the staff keep on an order; never shown to the customer.
CREATE TABLE order_notes (
	id		INTEGER PRIMARY KEY,
	order_id	INTEGER NOT NULL REFERENCES orders(id),
	author_id	INTEGER,
	author		TEXT NOT NULL,
	body		TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 4000),
	created_at	INTEGER NOT NULL
);
CREATE INDEX order_notes_order ON order_notes (order_id, id);

-- The back office's lists and counts, at 100k orders and 50k products.
CREATE INDEX orders_state_id ON orders (state, id);
CREATE INDEX orders_email ON orders (email, id);
CREATE INDEX orders_paid_at ON orders (paid_at) WHERE paid_at IS NOT NULL;
CREATE INDEX variants_stock ON variants (stock) WHERE active;
CREATE INDEX users_staff ON users (staff_role) WHERE staff_role IS NOT NULL;

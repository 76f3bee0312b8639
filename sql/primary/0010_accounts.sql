-- Customers, their sessions, addresses and password-reset tokens, and the
-- carts that sessions and customers hold.
--
-- Times here are unix seconds (INTEGER): sessions and tokens are compared
-- with the clock on every request, and integers compare cheaply.

-- Emails are stored normalized (trimmed, lower case) by lib/user.c; the
-- NOCASE collation keeps them unique case-insensitively even if a row
-- is written another way.
CREATE TABLE users (
	id		INTEGER PRIMARY KEY,
	email		TEXT NOT NULL UNIQUE COLLATE NOCASE
			CHECK (length(email) BETWEEN 3 AND 254),
	name		TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
	-- crypto_pwhash_str() output: "$argon2id$v=19$m=...,t=...,p=1$..."
	password_hash	TEXT NOT NULL CHECK (password_hash GLOB '$argon2id$*'),
	role		TEXT NOT NULL DEFAULT 'customer'
			CHECK (role IN ('customer', 'admin')),
	created_at	INTEGER NOT NULL,
	updated_at	INTEGER NOT NULL
);

-- A session is a random 256-bit id held by the browser in a cookie; only
-- its SHA-256 is stored, so a copy of the database does not give anyone
-- a usable session. Guests get one when they first put something in a
-- cart; log-in gives the row a new id.
CREATE TABLE sessions (
	id		INTEGER PRIMARY KEY,
	id_hash		BLOB NOT NULL UNIQUE CHECK (length(id_hash) = 32),
	user_id		INTEGER REFERENCES users(id) ON DELETE CASCADE,
	created_at	INTEGER NOT NULL,	-- absolute expiry counts from here
	seen_at		INTEGER NOT NULL	-- idle expiry counts from here
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_seen ON sessions (seen_at);
CREATE INDEX sessions_created ON sessions (created_at);

CREATE TABLE addresses (
	id		INTEGER PRIMARY KEY,
	user_id		INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	name		TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
	line1		TEXT NOT NULL CHECK (length(line1) BETWEEN 1 AND 200),
	line2		TEXT NOT NULL DEFAULT '' CHECK (length(line2) <= 200),
	city		TEXT NOT NULL CHECK (length(city) BETWEEN 1 AND 100),
	postcode	TEXT NOT NULL CHECK (length(postcode) BETWEEN 1 AND 16),
	country		TEXT NOT NULL
			CHECK (length(country) = 2 AND country NOT GLOB '*[^A-Z]*'),
	phone		TEXT NOT NULL DEFAULT '' CHECK (length(phone) <= 32),
	is_default	INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
	created_at	INTEGER NOT NULL
);
CREATE INDEX addresses_user ON addresses (user_id, id);
-- At most one default address per customer.
CREATE UNIQUE INDEX addresses_default ON addresses (user_id) WHERE is_default;

-- Single-use, expiring password-reset tokens, stored as SHA-256 like
-- session ids.
CREATE TABLE password_resets (
	id		INTEGER PRIMARY KEY,
	user_id		INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	token_hash	BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),
	created_at	INTEGER NOT NULL,
	expires_at	INTEGER NOT NULL,
	used_at		INTEGER
);
CREATE INDEX password_resets_user ON password_resets (user_id);

-- A cart belongs to a guest's session or to a customer, never both: at
-- log-in the session's cart is merged into the customer's and deleted.
-- It holds variants and quantities only; prices are read from the
-- catalog whenever the cart is shown.
CREATE TABLE carts (
	id		INTEGER PRIMARY KEY,
	session_id	INTEGER UNIQUE REFERENCES sessions(id) ON DELETE CASCADE,
	user_id		INTEGER UNIQUE REFERENCES users(id) ON DELETE CASCADE,
	created_at	INTEGER NOT NULL,
	updated_at	INTEGER NOT NULL,
	CHECK ((session_id IS NULL) <> (user_id IS NULL))
);

-- No foreign key on variant_id: a variant removed from the catalog stays
-- in the cart and is shown as no longer available, rather than vanishing.
CREATE TABLE cart_items (
	cart_id		INTEGER NOT NULL REFERENCES carts(id) ON DELETE CASCADE,
	variant_id	INTEGER NOT NULL,
	quantity	INTEGER NOT NULL CHECK (quantity BETWEEN 1 AND 99),
	added_at	INTEGER NOT NULL,
	PRIMARY KEY (cart_id, variant_id)
) WITHOUT ROWID;

-- cache.db: rendered fragments under versioned keys, bounded in size with
-- the oldest evicted first, and rate-limit counters. Everything here may
-- be lost at any time; a missing or busy cache is a miss.

CREATE TABLE entries (
	key		TEXT PRIMARY KEY,
	value		BLOB NOT NULL,
	size		INTEGER NOT NULL CHECK (size >= 0),
	created_at	INTEGER NOT NULL,	-- unix seconds
	expires_at	INTEGER NOT NULL	-- unix seconds
) WITHOUT ROWID;
CREATE INDEX entries_created ON entries (created_at);
CREATE INDEX entries_expires ON entries (expires_at);

-- The bytes held, kept by triggers so the bound is checked without a scan.
CREATE TABLE usage (
	id		INTEGER PRIMARY KEY CHECK (id = 1),
	bytes		INTEGER NOT NULL
);
INSERT INTO usage (id, bytes) VALUES (1, 0);

CREATE TRIGGER entries_ai AFTER INSERT ON entries BEGIN
	UPDATE usage SET bytes = bytes + new.size WHERE id = 1;
END;
CREATE TRIGGER entries_ad AFTER DELETE ON entries BEGIN
	UPDATE usage SET bytes = bytes - old.size WHERE id = 1;
END;
CREATE TRIGGER entries_au AFTER UPDATE OF size ON entries BEGIN
	UPDATE usage SET bytes = bytes - old.size + new.size WHERE id = 1;
END;

-- Fixed-window counters: count events under a key until window_end.
CREATE TABLE counters (
	key		TEXT PRIMARY KEY,
	count		INTEGER NOT NULL,
	window_end	INTEGER NOT NULL	-- unix seconds
) WITHOUT ROWID;
CREATE INDEX counters_window ON counters (window_end);

-- cable.db: live messages per channel ("order:42", "product:7", "admin"),
-- read by the live program as server-sent events, trimmed by age.
-- AUTOINCREMENT: ids are never reused after a trim, so a client's
-- Last-Event-ID always means the same place in the stream.

CREATE TABLE messages (
	id		INTEGER PRIMARY KEY AUTOINCREMENT,
	channel		TEXT NOT NULL CHECK (length(channel) BETWEEN 1 AND 200),
	event		TEXT NOT NULL DEFAULT 'message'
			CHECK (length(event) BETWEEN 1 AND 64),
	data		TEXT NOT NULL,		-- a JSON object
	outbox_id	INTEGER UNIQUE,		-- the shop.db outbox row, if any
	created_at	INTEGER NOT NULL	-- unix ms
);
CREATE INDEX messages_channel ON messages (channel, id);
CREATE INDEX messages_created ON messages (created_at);

-- How far the outbox of shop.db has been taken in (lib/outbox.h).
CREATE TABLE relay_marks (
	source		TEXT PRIMARY KEY,
	last_id		INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO relay_marks (source, last_id) VALUES ('outbox', 0);

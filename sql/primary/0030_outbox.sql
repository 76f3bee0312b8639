-- The outbox: work that a change in shop.db causes elsewhere (a job in
-- queue.db, a live message in cable.db), written in the same transaction
-- as the change. shop-worker relays the rows in id order; queue.db and
-- cable.db each keep the highest outbox id they have taken in, in the same
-- transaction as the rows themselves, so a relay interrupted at any point
-- and run again neither loses nor repeats anything. relayed_at is for
-- people and for clean-up; correctness does not depend on it.
-- AUTOINCREMENT: ids are never reused, so they only ever grow.

CREATE TABLE outbox (
	id		INTEGER PRIMARY KEY AUTOINCREMENT,
	target		TEXT NOT NULL CHECK (target IN ('job', 'message')),
	-- A job: its kind; a message: its channel.
	name		TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
	-- A job: its queue; a message: its event name.
	sub		TEXT NOT NULL CHECK (length(sub) BETWEEN 1 AND 64),
	-- A job's payload or a message's data: a JSON object.
	payload		TEXT NOT NULL
			CHECK (json_valid(payload) AND json_type(payload) = 'object'
			    AND length(payload) <= 262144),
	unique_key	TEXT CHECK (unique_key IS NULL OR length(unique_key) <= 200),
	priority	INTEGER NOT NULL DEFAULT 0,
	run_at		INTEGER NOT NULL DEFAULT 0,	-- unix ms; 0: at once
	max_attempts	INTEGER NOT NULL DEFAULT 0,	-- 0: the queue's default
	created_at	INTEGER NOT NULL,		-- unix ms
	relayed_at	INTEGER				-- unix ms
);
CREATE INDEX outbox_target ON outbox (target, id);
CREATE INDEX outbox_unmarked ON outbox (id) WHERE relayed_at IS NULL;

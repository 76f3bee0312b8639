-- Throttles (lib/side/throttle.h): failures counted under a key, and the
-- time before which the next attempt is refused, which doubles with each
-- failure past a free allowance. A row is forgotten at forget_at, some
-- time after its last failure.

CREATE TABLE throttles (
	key		TEXT PRIMARY KEY,
	failures	INTEGER NOT NULL CHECK (failures > 0),
	wait_until	INTEGER NOT NULL,	-- unix seconds; 0: no wait
	forget_at	INTEGER NOT NULL	-- unix seconds
) WITHOUT ROWID;
CREATE INDEX throttles_forget ON throttles (forget_at);

-- queue.db: background jobs, failed jobs, recurring tasks and the workers
-- that run them (lib/queue.h). Every time is unix milliseconds.

-- A job is queued (waiting for run_at), running (claimed by a worker with
-- a lease it renews by heartbeat) or done (kept for the retention time).
-- A running job whose lease ran out belongs to a worker that died: it is
-- claimed again. Failures are retried with backoff until max_attempts,
-- then the job moves to failed_jobs.
CREATE TABLE jobs (
	id		INTEGER PRIMARY KEY AUTOINCREMENT,
	queue		TEXT NOT NULL DEFAULT 'default'
			CHECK (length(queue) BETWEEN 1 AND 64),
	kind		TEXT NOT NULL CHECK (length(kind) BETWEEN 1 AND 200),
	-- JSON, read by the job's handler; a malformed one fails the job.
	payload		TEXT NOT NULL,
	priority	INTEGER NOT NULL DEFAULT 0,	-- higher runs first
	run_at		INTEGER NOT NULL,
	state		TEXT NOT NULL DEFAULT 'queued'
			CHECK (state IN ('queued', 'running', 'done')),
	attempts	INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
	max_attempts	INTEGER NOT NULL CHECK (max_attempts >= 1),
	-- A second enqueue with the same key is a no-op while this one is
	-- not done (jobs_unique below).
	unique_key	TEXT,
	-- The shop.db outbox row this job came from.
	outbox_id	INTEGER UNIQUE,
	-- The recurring task and slot this job runs.
	task		TEXT,
	worker		TEXT,		-- who holds the lease
	lease_token	TEXT,		-- this claim; complete/fail must match it
	lease_until	INTEGER,
	heartbeat_at	INTEGER,
	last_error	TEXT,
	created_at	INTEGER NOT NULL,
	started_at	INTEGER,
	finished_at	INTEGER
);
CREATE UNIQUE INDEX jobs_unique ON jobs (unique_key)
	WHERE unique_key IS NOT NULL AND state <> 'done';
CREATE INDEX jobs_ready ON jobs (priority DESC, run_at, id)
	WHERE state = 'queued';
CREATE INDEX jobs_leases ON jobs (lease_until) WHERE state = 'running';
CREATE INDEX jobs_done ON jobs (finished_at) WHERE state = 'done';

-- Jobs that used up their attempts (or can never succeed), with the last
-- error; an operator retries (back to jobs, same id) or discards them.
CREATE TABLE failed_jobs (
	id		INTEGER PRIMARY KEY,	-- the job's id
	queue		TEXT NOT NULL,
	kind		TEXT NOT NULL,
	payload		TEXT NOT NULL,
	priority	INTEGER NOT NULL,
	attempts	INTEGER NOT NULL,
	max_attempts	INTEGER NOT NULL,
	unique_key	TEXT,
	outbox_id	INTEGER UNIQUE,
	task		TEXT,
	error		TEXT NOT NULL,
	created_at	INTEGER NOT NULL,
	failed_at	INTEGER NOT NULL
);
CREATE INDEX failed_jobs_at ON failed_jobs (failed_at);

-- Recurring tasks: a schedule ("every 10m", "cron 30 3 * * *") and the
-- next slot it is due. Workers write the definitions they were built
-- with at start-up; whoever finds a task due enqueues its job and moves
-- next_run_at on, in one write transaction.
CREATE TABLE recurring (
	task		TEXT PRIMARY KEY,
	kind		TEXT NOT NULL,
	queue		TEXT NOT NULL DEFAULT 'default',
	payload		TEXT NOT NULL DEFAULT '{}',
	schedule	TEXT NOT NULL,		-- "off" disables
	next_run_at	INTEGER,		-- NULL when off
	last_run_at	INTEGER,
	last_job_id	INTEGER,
	updated_at	INTEGER NOT NULL
);

-- One row per task and scheduled time: the slot runs once, whichever
-- worker and however many find it due.
CREATE TABLE recurring_runs (
	task		TEXT NOT NULL,
	scheduled_at	INTEGER NOT NULL,
	job_id		INTEGER,		-- NULL: the previous run was pending
	created_at	INTEGER NOT NULL,
	PRIMARY KEY (task, scheduled_at)
) WITHOUT ROWID;
CREATE INDEX recurring_runs_created ON recurring_runs (created_at);

-- Running workers, for "shopctl jobs" and the back office.
CREATE TABLE workers (
	id		TEXT PRIMARY KEY,	-- host:pid:random
	pid		INTEGER NOT NULL,
	host		TEXT NOT NULL,
	started_at	INTEGER NOT NULL,
	heartbeat_at	INTEGER NOT NULL,
	job_id		INTEGER			-- running now, or NULL
) WITHOUT ROWID;

-- How far the outbox of shop.db has been taken in (lib/outbox.h).
CREATE TABLE relay_marks (
	source		TEXT PRIMARY KEY,
	last_id		INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO relay_marks (source, last_id) VALUES ('outbox', 0);

-- Account security: reset and sign-up links that exist only in their mail.
--
-- A reset's mail job names the reset by its id and mail_key, a random
-- value of the row (not a secret: it opens nothing); ids of deleted rows
-- are handed out again, the key tells a new reset from an old one of the
-- same id. The token itself is made by the worker as it writes the mail,
-- and only its hash is stored (token_hash).
ALTER TABLE password_resets ADD COLUMN mail_key TEXT;

-- Sign-ups waiting for their email to be confirmed. Sign-up answers the
-- same whether the email has an account or not (so it cannot be used to
-- find out who is a customer); a new email gets a row here and a mail
-- with a link, and the account is made from the row only when the link
-- is followed, by whoever holds the mailbox. The token is made by the
-- worker as it writes the mail, like a reset's; only its hash is here.
CREATE TABLE signups (
	id		INTEGER PRIMARY KEY,
	email		TEXT NOT NULL COLLATE NOCASE
			CHECK (length(email) BETWEEN 3 AND 254),
	name		TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
	password_hash	TEXT NOT NULL CHECK (password_hash GLOB '$argon2id$*'),
	token_hash	BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),
	mail_key	TEXT NOT NULL,
	created_at	INTEGER NOT NULL,
	expires_at	INTEGER NOT NULL
);
CREATE INDEX signups_email ON signups (email);
CREATE INDEX signups_expires ON signups (expires_at);

-- Account security: reset links that exist only in their mail.
--
-- A reset's mail job names the reset by its id and mail_key, a random
-- value of the row (not a secret: it opens nothing); ids of deleted rows
-- are handed out again, the key tells a new reset from an old one of the
-- same id. The token itself is made by the worker as it writes the mail,
-- and only its hash is stored (token_hash).
ALTER TABLE password_resets ADD COLUMN mail_key TEXT;

-- The page cache (lib/shop/pagecache.c): catalog pages kept as files
-- named by their address, which the web server serves itself. A
-- product's file is found by its slug, so a slug given up (the product
-- renamed or deleted) is written here, in the transaction that gave it
-- up, for the process that commits it to remove the page of the old
-- address. Rows are a few bytes and only ever added, as renames are
-- rare; a program of the previous build writes them through the
-- triggers alike.
CREATE TABLE product_slugs_gone (
	id		INTEGER PRIMARY KEY,
	product_id	INTEGER NOT NULL,
	slug		TEXT NOT NULL,
	at		TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

CREATE TRIGGER product_slugs_gone_au AFTER UPDATE OF slug ON products
WHEN old.slug <> new.slug BEGIN
	INSERT INTO product_slugs_gone (product_id, slug)
	VALUES (old.id, old.slug);
END;
CREATE TRIGGER product_slugs_gone_ad AFTER DELETE ON products BEGIN
	INSERT INTO product_slugs_gone (product_id, slug)
	VALUES (old.id, old.slug);
END;

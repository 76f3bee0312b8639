-- The back office's catalog (cgi-bin/admin/products.c, images.c):
-- images uploaded at several widths, and a search over every product by
-- name or SKU.

-- An uploaded image is files at a few widths (lib/ext/image.h):
-- BASE-<w>.webp and BASE-<w>.jpg. base is BASE relative to the media
-- directory ("products/p42-9f86d081884c7d65"), widths the widths as a
-- JSON array, narrowest first ([320, 640, 1280]); path, width and height
-- stay those of the widest JPEG, which a program of the previous build
-- shows alone. Both are NULL for an image of one file (the demo store's
-- SVG drawings).
ALTER TABLE images ADD COLUMN base TEXT
	CHECK (base IS NULL OR (length(base) BETWEEN 1 AND 200 AND
	    base NOT LIKE '%..%' AND base NOT LIKE '/%'));
ALTER TABLE images ADD COLUMN widths TEXT
	CHECK (widths IS NULL OR (json_valid(widths) AND
	    json_type(widths) = 'array'));

-- Every product, on sale or not, by its name and its variants' SKUs, for
-- the back office's list (product_search holds only what is on sale and
-- no SKU). The rowid is the product id. Triggers keep it in step; nothing
-- else writes to it.
CREATE VIRTUAL TABLE product_admin_search USING fts5(
	name, skus,
	tokenize = 'unicode61 remove_diacritics 2',
	prefix = '2 3 4'
);

INSERT INTO product_admin_search (rowid, name, skus)
SELECT p.id, p.name,
    coalesce((SELECT group_concat(v.sku, ' ') FROM variants v
	WHERE v.product_id = p.id), '')
FROM products p;

CREATE TRIGGER product_admin_search_ai AFTER INSERT ON products BEGIN
	INSERT INTO product_admin_search (rowid, name, skus)
	VALUES (new.id, new.name, '');
END;

CREATE TRIGGER product_admin_search_au AFTER UPDATE OF name ON products
BEGIN
	UPDATE product_admin_search SET name = new.name WHERE rowid = new.id;
END;

CREATE TRIGGER product_admin_search_ad AFTER DELETE ON products BEGIN
	DELETE FROM product_admin_search WHERE rowid = old.id;
END;

CREATE TRIGGER product_admin_search_variant_ai AFTER INSERT ON variants
BEGIN
	UPDATE product_admin_search SET skus =
	    (SELECT group_concat(sku, ' ') FROM variants
	     WHERE product_id = new.product_id)
	WHERE rowid = new.product_id;
END;

CREATE TRIGGER product_admin_search_variant_au AFTER UPDATE OF sku
ON variants BEGIN
	UPDATE product_admin_search SET skus =
	    (SELECT group_concat(sku, ' ') FROM variants
	     WHERE product_id = new.product_id)
	WHERE rowid = new.product_id;
END;

CREATE TRIGGER product_admin_search_variant_ad AFTER DELETE ON variants
BEGIN
	UPDATE product_admin_search SET skus =
	    coalesce((SELECT group_concat(sku, ' ') FROM variants
	     WHERE product_id = old.product_id), '')
	WHERE rowid = old.product_id;
END;

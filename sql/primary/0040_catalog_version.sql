-- Versions for cached fragments of catalog pages (cache.db): a product's
-- own version covers its page; the catalog's version covers the pages
-- that show many products (home, lists). Any change bumps them.

CREATE TABLE catalog_state (
	id		INTEGER PRIMARY KEY CHECK (id = 1),
	version		INTEGER NOT NULL
);
INSERT INTO catalog_state (id, version) VALUES (1, 1);

CREATE TRIGGER catalog_state_products_ai AFTER INSERT ON products BEGIN
	UPDATE catalog_state SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER catalog_state_products_au AFTER UPDATE ON products BEGIN
	UPDATE catalog_state SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER catalog_state_products_ad AFTER DELETE ON products BEGIN
	UPDATE catalog_state SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER catalog_state_categories_ai AFTER INSERT ON categories BEGIN
	UPDATE catalog_state SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER catalog_state_categories_au AFTER UPDATE ON categories BEGIN
	UPDATE catalog_state SET version = version + 1 WHERE id = 1;
	UPDATE products SET version = version + 1 WHERE category_id = new.id;
END;
CREATE TRIGGER catalog_state_categories_ad AFTER DELETE ON categories BEGIN
	UPDATE catalog_state SET version = version + 1 WHERE id = 1;
END;
-- Variant changes already bump their product (0001), hence the catalog.
CREATE TRIGGER catalog_state_variants_ad AFTER DELETE ON variants BEGIN
	UPDATE products SET version = version + 1 WHERE id = old.product_id;
END;
CREATE TRIGGER catalog_state_images_ai AFTER INSERT ON images BEGIN
	UPDATE products SET version = version + 1 WHERE id = new.product_id;
END;
CREATE TRIGGER catalog_state_images_au AFTER UPDATE ON images BEGIN
	UPDATE products SET version = version + 1 WHERE id = new.product_id;
END;
CREATE TRIGGER catalog_state_images_ad AFTER DELETE ON images BEGIN
	UPDATE products SET version = version + 1 WHERE id = old.product_id;
END;

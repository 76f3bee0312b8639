-- Writing the catalog (lib/shop/catalog_edit.c, lib/shop/inventory.c):
-- each variant's weight, for shipping by weight; every change of stock
-- kept with its reason and who made it; and a product's version bumped
-- when its address changes, since its cached fragments link to it.

ALTER TABLE variants ADD COLUMN weight_grams INTEGER NOT NULL DEFAULT 0
	CHECK (weight_grams >= 0);

-- One row per change of a variant's stock: the back office's counts and
-- corrections, an order's reservation and its release. delta is the
-- change, stock_after what the variant had once it was made. Rows are
-- records: never updated, never deleted. No foreign key on variant_id: a
-- variant taken out of the catalog keeps its history.
CREATE TABLE stock_movements (
	id		INTEGER PRIMARY KEY AUTOINCREMENT,
	variant_id	INTEGER NOT NULL,
	delta		INTEGER NOT NULL CHECK (delta <> 0),
	stock_after	INTEGER NOT NULL CHECK (stock_after >= 0),
	reason		TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 200),
	actor		TEXT NOT NULL CHECK (length(actor) BETWEEN 1 AND 200),
	order_id	INTEGER REFERENCES orders(id),
	created_at	TEXT NOT NULL
);
CREATE INDEX stock_movements_variant ON stock_movements (variant_id, id);
CREATE INDEX stock_movements_order ON stock_movements (order_id)
	WHERE order_id IS NOT NULL;

CREATE TRIGGER stock_movements_no_update BEFORE UPDATE ON stock_movements
BEGIN
	SELECT RAISE(ABORT, 'stock movements are never changed');
END;
CREATE TRIGGER stock_movements_no_delete BEFORE DELETE ON stock_movements
BEGIN
	SELECT RAISE(ABORT, 'stock movements are never deleted');
END;

-- A new slug is a new address: the product's fragments (its page, the
-- cards that link to it) must be made again. products_version_au (0001)
-- covers the other columns a page shows.
CREATE TRIGGER products_version_slug_au AFTER UPDATE OF slug ON products
BEGIN
	UPDATE products SET version = old.version + 1,
	    updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
	WHERE id = new.id;
END;

-- The catalog: categories, products, their variants (what is sold, with a
-- price in minor units and a stock level), images, and the search index.

CREATE TABLE categories (
	id		INTEGER PRIMARY KEY,
	slug		TEXT NOT NULL UNIQUE
			CHECK (length(slug) BETWEEN 1 AND 80 AND slug NOT GLOB '*[^a-z0-9-]*'),
	name		TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
	description	TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 4000),
	position	INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE products (
	id		INTEGER PRIMARY KEY,
	slug		TEXT NOT NULL UNIQUE
			CHECK (length(slug) BETWEEN 1 AND 80 AND slug NOT GLOB '*[^a-z0-9-]*'),
	name		TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
	description	TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 20000),
	category_id	INTEGER REFERENCES categories(id) ON DELETE SET NULL,
	featured	INTEGER NOT NULL DEFAULT 0 CHECK (featured IN (0, 1)),
	active		INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
	-- Bumped by every change to the product or its variants: cache keys.
	version		INTEGER NOT NULL DEFAULT 1,
	created_at	TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
	updated_at	TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX products_category ON products (category_id, active);
CREATE INDEX products_created ON products (created_at, id);
CREATE INDEX products_featured ON products (featured, active);

-- A variant is one thing a shopper can buy: "T-shirt, M, blue". Its
-- options ({"Size":"M","Colour":"Blue"}) make its title.
CREATE TABLE variants (
	id		INTEGER PRIMARY KEY,
	product_id	INTEGER NOT NULL REFERENCES products(id) ON DELETE CASCADE,
	sku		TEXT NOT NULL UNIQUE CHECK (length(sku) BETWEEN 1 AND 64),
	title		TEXT NOT NULL DEFAULT '' CHECK (length(title) <= 200),
	options		TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(options)),
	price		INTEGER NOT NULL CHECK (price >= 0),
	currency	TEXT NOT NULL CHECK (length(currency) = 3),
	stock		INTEGER NOT NULL DEFAULT 0 CHECK (stock >= 0),
	position	INTEGER NOT NULL DEFAULT 0,
	active		INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
);
CREATE INDEX variants_product ON variants (product_id, position);

CREATE TABLE images (
	id		INTEGER PRIMARY KEY,
	product_id	INTEGER NOT NULL REFERENCES products(id) ON DELETE CASCADE,
	-- Relative to the media directory, served under /media/.
	path		TEXT NOT NULL CHECK (path NOT LIKE '%..%' AND path NOT LIKE '/%'),
	alt		TEXT NOT NULL CHECK (length(alt) BETWEEN 1 AND 300),
	width		INTEGER NOT NULL CHECK (width > 0),
	height		INTEGER NOT NULL CHECK (height > 0),
	position	INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX images_product ON images (product_id, position);

-- Full-text search over active products: names, descriptions and the
-- category's name, case-insensitive, accents folded, with prefix indexes
-- for search-as-you-type terms. The rowid is the product id. Triggers keep
-- it in step; nothing else writes to it.
CREATE VIRTUAL TABLE product_search USING fts5(
	name, description, category,
	tokenize = 'unicode61 remove_diacritics 2',
	prefix = '2 3 4'
);

CREATE TRIGGER products_search_ai AFTER INSERT ON products WHEN new.active BEGIN
	INSERT INTO product_search (rowid, name, description, category)
	VALUES (new.id, new.name, new.description,
	    coalesce((SELECT name FROM categories WHERE id = new.category_id), ''));
END;

CREATE TRIGGER products_search_au AFTER UPDATE OF name, description, category_id, active ON products BEGIN
	DELETE FROM product_search WHERE rowid = old.id;
	INSERT INTO product_search (rowid, name, description, category)
	SELECT new.id, new.name, new.description,
	    coalesce((SELECT name FROM categories WHERE id = new.category_id), '')
	WHERE new.active;
END;

CREATE TRIGGER products_search_ad AFTER DELETE ON products BEGIN
	DELETE FROM product_search WHERE rowid = old.id;
END;

CREATE TRIGGER categories_search_au AFTER UPDATE OF name ON categories BEGIN
	UPDATE product_search SET category = new.name
	WHERE rowid IN (SELECT id FROM products WHERE category_id = new.id);
END;

-- Every change to a variant makes its product's cached fragments stale.
CREATE TRIGGER variants_version_au AFTER UPDATE ON variants BEGIN
	UPDATE products SET version = version + 1 WHERE id = new.product_id;
END;
CREATE TRIGGER variants_version_ai AFTER INSERT ON variants BEGIN
	UPDATE products SET version = version + 1 WHERE id = new.product_id;
END;
CREATE TRIGGER products_version_au AFTER UPDATE OF name, description, category_id, featured, active ON products BEGIN
	UPDATE products SET version = old.version + 1,
	    updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
	WHERE id = new.id;
END;

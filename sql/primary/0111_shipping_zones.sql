-- Shipping zones (lib/shop/pricing.c): a zone is a set of countries, a
-- shipping method is offered to the countries of its zones, and only
-- while the weight of the order is within its band.
--
-- Existing shops change nothing: every country the shop ships to
-- (lib/shop/country.c) goes into the default zone, and so does every
-- method, those there are now and those added later by a program that
-- knows no zones (the trigger below); an administrator then moves
-- methods to other zones in the back office. The weight of an order is
-- that of its variants (weight_grams, sql/primary/0050) times quantities.
CREATE TABLE shipping_zones (
	id		INTEGER PRIMARY KEY,
	name		TEXT NOT NULL COLLATE NOCASE UNIQUE
			CHECK (length(name) BETWEEN 1 AND 80),
	is_default	INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
	position	INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX shipping_zones_one_default ON shipping_zones (is_default)
	WHERE is_default;

CREATE TABLE shipping_zone_countries (
	zone_id		INTEGER NOT NULL REFERENCES shipping_zones(id)
			ON DELETE CASCADE,
	country		TEXT NOT NULL CHECK (length(country) = 2 AND
			country NOT GLOB '*[^A-Z]*'),
	PRIMARY KEY (zone_id, country)
);
CREATE INDEX shipping_zone_countries_country
	ON shipping_zone_countries (country, zone_id);

CREATE TABLE shipping_method_zones (
	method_id	INTEGER NOT NULL REFERENCES shipping_methods(id)
			ON DELETE CASCADE,
	zone_id		INTEGER NOT NULL REFERENCES shipping_zones(id)
			ON DELETE CASCADE,
	PRIMARY KEY (method_id, zone_id)
);
CREATE INDEX shipping_method_zones_zone ON shipping_method_zones (zone_id);

-- The weight band of a method, in grams of the whole order, both ends
-- included; NULL: no bound.
ALTER TABLE shipping_methods ADD COLUMN min_weight_grams INTEGER
	CHECK (min_weight_grams IS NULL OR min_weight_grams >= 0);
ALTER TABLE shipping_methods ADD COLUMN max_weight_grams INTEGER
	CHECK (max_weight_grams IS NULL OR max_weight_grams >= 0);

INSERT INTO shipping_zones (name, is_default, position)
	VALUES ('Everywhere we ship', 1, 0);
INSERT INTO shipping_zone_countries (zone_id, country)
	SELECT z.id, c.column1 FROM shipping_zones z, (VALUES
	('AT'), ('AU'), ('BE'), ('CA'), ('CH'), ('CZ'), ('DE'), ('DK'),
	('ES'), ('FI'), ('FR'), ('GB'), ('GR'), ('IE'), ('IT'), ('JP'),
	('LU'), ('NL'), ('NO'), ('NZ'), ('PL'), ('PT'), ('SE'), ('US')) c
	WHERE z.is_default;
INSERT INTO shipping_method_zones (method_id, zone_id)
	SELECT m.id, z.id FROM shipping_methods m, shipping_zones z
	WHERE z.is_default;

CREATE TRIGGER shipping_methods_default_zone AFTER INSERT ON shipping_methods
BEGIN
	INSERT OR IGNORE INTO shipping_method_zones (method_id, zone_id)
	SELECT new.id, id FROM shipping_zones WHERE is_default;
END;

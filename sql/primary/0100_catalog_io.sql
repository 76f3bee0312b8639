-- The catalog in and out (lib/shop/catalog_io.c): a product's
-- description as sanitized HTML, beside the plain text of it.
--
-- description stays what it was: plain text, what search indexes, feeds
-- and meta descriptions use, and what a page shows (escaped) when there
-- is no HTML. description_html is '' or HTML that lib/ext/html_sanitize
-- wrote: catalog_edit passes whatever it is given through the sanitizer
-- before it stores it, and the product page shows it unescaped only
-- from this column. A program of the previous build never writes it,
-- and reads past it.
ALTER TABLE products ADD COLUMN description_html TEXT NOT NULL DEFAULT ''
	CHECK (length(description_html) <= 200000);

-- The page shows it, so its fragments must be made again.
CREATE TRIGGER products_version_html_au AFTER UPDATE OF description_html
ON products BEGIN
	UPDATE products SET version = old.version + 1,
	    updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
	WHERE id = new.id;
END;

"""A small catalog for the cart and account tests, written with SQL so the
tests do not depend on the demo seed.

Variants, by id:
  1  Linen shirt, M      25.00 EUR, 5 in stock
  2  Linen shirt, L      25.00 EUR, sold out
  3  Wool hat            15.00 EUR, 100 in stock
  4  Old mug             9.00 EUR, 10 in stock, product not for sale
  5  <script> mug        12.00 EUR, 3 in stock (a name to be escaped)
  6  Wool hat, red       15.00 EUR, 10 in stock, variant not for sale
"""

import shoptest

SHIRT_M, SHIRT_L, HAT, OLD_MUG, SCRIPT_MUG, RED_HAT = 1, 2, 3, 4, 5, 6
SCRIPT_NAME = "<script>alert(1)</script> Mug"


def catalog(data_dir):
    """Insert the products and variants above into data_dir's shop.db."""
    rows = [
        "INSERT INTO products (id, slug, name, active) VALUES "
        "(1, 'linen-shirt', 'Linen shirt', 1), (2, 'wool-hat', 'Wool hat', 1), "
        "(3, 'old-mug', 'Old mug', 0), (4, 'script-mug', ?, 1)",
        "INSERT INTO variants (id, product_id, sku, title, price, currency, "
        "stock, active) VALUES "
        "(1, 1, 'SH-M', 'M', 2500, 'EUR', 5, 1), "
        "(2, 1, 'SH-L', 'L', 2500, 'EUR', 0, 1), "
        "(3, 2, 'HAT', '', 1500, 'EUR', 100, 1), "
        "(4, 3, 'MUG-OLD', '', 900, 'EUR', 10, 1), "
        "(5, 4, 'MUG-X', '', 1200, 'EUR', 3, 1), "
        "(6, 2, 'HAT-RED', 'Red', 1500, 'EUR', 10, 0)",
    ]
    shoptest.sql(data_dir, rows[0], (SCRIPT_NAME,))
    shoptest.sql(data_dir, rows[1])


def datadir():
    """A migrated data directory with the catalog above."""
    d = shoptest.datadir()
    catalog(d)
    return d

-- The mails around an order (lib/shop/reminder.c, lib/shop/payment.c,
-- lib/shop/order.c): a reminder for an unpaid order, once; the merchant
-- told when a variant's stock falls to its threshold.

-- When the reminder of an unpaid order was queued; NULL: not (yet).
ALTER TABLE orders ADD COLUMN reminded_at TEXT;
CREATE INDEX orders_unreminded ON orders (state, reminded_at, reserved_until);

-- The stock at or below which the merchant is mailed; 0: never.
ALTER TABLE variants ADD COLUMN low_stock_threshold INTEGER NOT NULL DEFAULT 0
	CHECK (low_stock_threshold >= 0);

-- A variant whose stock crosses its threshold going down queues the
-- merchant's mail (shop/notify.h, notify_merchant_mail(): the worker
-- sends it to SHOP_ORDER_NOTIFY) in the very write that took the stock,
-- whichever code took it: an order holding units, a change in the back
-- office, a paid order taking its units again. Once per crossing: stock
-- given back above the threshold arms it again.
CREATE TRIGGER variants_low_stock AFTER UPDATE OF stock ON variants
WHEN new.low_stock_threshold > 0 AND old.stock > new.low_stock_threshold
    AND new.stock <= new.low_stock_threshold
BEGIN
	INSERT INTO outbox (target, name, sub, payload, priority, created_at)
	VALUES ('job', 'send_mail', 'mail', json_object(
	    'merchant', json('true'),
	    'template', 'low_stock',
	    'data', json_object(
		'variant_id', new.id,
		'product_id', new.product_id,
		'sku', new.sku,
		'product', (SELECT name FROM products WHERE id = new.product_id),
		'variant', new.title,
		'stock', new.stock,
		'threshold', new.low_stock_threshold)),
	    5, CAST(strftime('%s', 'now') AS INTEGER) * 1000);
END;

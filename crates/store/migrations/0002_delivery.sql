
ALTER TABLE orders ADD COLUMN delivered_at INTEGER;
-- The provider's id of one application of a package (eSIM Go assignment id): what a revoke names.
ALTER TABLE esim_packages ADD COLUMN provider_id TEXT;
UPDATE orders SET delivered_at = updated_at
 WHERE state = 'completed'
   AND NOT EXISTS (SELECT 1 FROM esims
                    WHERE esims.order_reference = orders.client_reference
                      AND esims.activation_code IS NULL);
DROP INDEX orders_unsettled;
CREATE INDEX orders_unsettled ON orders(state)
 WHERE state IN ('submitted', 'provisioning', 'unknown', 'needs_person')
    OR (state = 'completed' AND delivered_at IS NULL);

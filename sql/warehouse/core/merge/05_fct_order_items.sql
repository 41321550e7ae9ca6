-- Merge staging.order_items into core.fct_order_items (type 1: the latest version of each line wins).
-- Runs after the order and product merges: the line takes its order's day and its product's current cost.
-- Staging holds one version per key: with several runs pending, keepLatestVersions (lib/warehouse/models.ts)
-- has already dropped all but the latest, so a single full extract is merged without a sort.
DELETE FROM core.fct_order_items
USING staging.order_items s
WHERE core.fct_order_items.order_item_id = s.order_item_id;

INSERT INTO core.fct_order_items (
  order_item_id, order_id, product_id, order_date, quantity, unit_price, discount_amount,
  line_amount, cost_amount, created_at, updated_at
)
SELECT i.order_item_id, i.order_id, i.product_id, o.order_date, i.quantity, i.unit_price,
       i.discount_amount, i.line_amount, i.quantity * p.cost, i.created_at, i.updated_at
FROM staging.order_items i
LEFT JOIN core.fct_orders o ON o.order_id = i.order_id
LEFT JOIN core.dim_product p ON p.product_id = i.product_id;

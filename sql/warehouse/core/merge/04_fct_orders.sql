-- Merge staging.orders into core.fct_orders (type 1: the latest version of each order wins, so a status
-- change replaces the row). Runs after the customer merge: each order is keyed to the customer version valid
-- when it was placed (or the current one if it was placed before the customer's first known version).
-- Staging holds one version per key: with several runs pending, keepLatestVersions (lib/warehouse/models.ts)
-- has already dropped all but the latest, so a single full extract is merged without a sort.
-- order_date is the shop's local day: people shop by their own clock and the business counts days and months
-- by it, while ordered_at stays UTC. The shop's clock is a fixed offset (no daylight saving), named here by its
-- currency: USD = the en shop at UTC-5, KRW = the ko shop at UTC+9 (SHOP_UTC_OFFSET_MINUTES,
-- lib/generate/calendar.ts; test/intl.test.ts checks the two agree).
DELETE FROM core.fct_orders
USING staging.orders s
WHERE core.fct_orders.order_id = s.order_id;

INSERT INTO core.fct_orders (
  order_id, customer_id, customer_key, order_date, ordered_at, status, currency,
  ship_city, ship_region, ship_country, shipping_zone, items_amount, discount_amount, shipping_amount, total_amount,
  is_sale, revenue_amount, created_at, updated_at
)
SELECT
  o.order_id,
  o.customer_id,
  COALESCE(at_order.customer_key, now_current.customer_key),
  CAST((o.ordered_at AT TIME ZONE 'UTC')
       + CASE UPPER(o.currency) WHEN 'KRW' THEN INTERVAL '540 minutes' ELSE INTERVAL '-300 minutes' END AS DATE),
  o.ordered_at,
  LOWER(TRIM(o.status)),
  UPPER(o.currency),
  NULLIF(TRIM(o.ship_city), ''),
  TRIM(o.ship_region),
  UPPER(o.ship_country),
  LOWER(TRIM(o.shipping_zone)),
  o.items_amount,
  o.discount_amount,
  o.shipping_amount,
  o.total_amount,
  LOWER(TRIM(o.status)) NOT IN ('cancelled', 'refunded'),
  CASE WHEN LOWER(TRIM(o.status)) IN ('cancelled', 'refunded') THEN 0 ELSE o.total_amount END,
  o.created_at,
  o.updated_at
FROM staging.orders o
LEFT JOIN core.dim_customer at_order
  ON at_order.customer_id = o.customer_id
 AND o.ordered_at >= at_order.valid_from
 AND o.ordered_at < at_order.valid_to
LEFT JOIN core.dim_customer now_current
  ON now_current.customer_id = o.customer_id
 AND now_current.is_current;

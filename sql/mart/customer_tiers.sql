-- mart.customer_tiers: each customer's loyalty tier over time, as a type-2 history (grain: customer_id × customer_tier).
-- Columns: customer_id, customer_tier, valid_from (the first order placed in the tier), valid_to (the first order
--   in the next tier; 9999-12-31 for the current one), is_current, orders (orders placed in the tier), revenue.
-- The tier is the one mart.orders gives each order (from the customer's order revenue before it), so a tier
--   period starts with the first order the customer placed in it. Order revenue never goes negative, so tiers
--   only rise and each tier is one unbroken period: GROUP BY customer and tier is the history.
-- Redshift: LEAD and the TIMESTAMPTZ literal run as written (the same shape as core.dim_customer's merge).
-- Source: mart.orders.
SELECT
  t.customer_id,
  t.customer_tier,
  t.valid_from,
  COALESCE(LEAD(t.valid_from) OVER (PARTITION BY t.customer_id ORDER BY t.valid_from),
           CAST('9999-12-31 00:00:00+00' AS TIMESTAMPTZ)) AS valid_to,
  CASE WHEN LEAD(t.valid_from) OVER (PARTITION BY t.customer_id ORDER BY t.valid_from) IS NULL THEN TRUE ELSE FALSE END AS is_current,
  t.orders,
  t.revenue
FROM (
  SELECT customer_id, customer_tier, MIN(ordered_at) AS valid_from, COUNT(*) AS orders,
         CAST(SUM(revenue) AS NUMERIC(14,2)) AS revenue
  FROM orders
  GROUP BY customer_id, customer_tier
) t

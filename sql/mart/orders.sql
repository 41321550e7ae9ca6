-- mart.orders: the integrated dataset, one row per order with its customer, destination, basket, fee and delivery
-- (grain: order_id). What a BI tool (Looker Studio, Metabase) uploads as one flat table: data/out/orders.csv.
-- Columns: order_id, order_date (the shop's local day), ordered_at, customer_id, customer_tier (loyalty tier
--   when the order was placed), country, region, city, shipping_zone, lines, item_count (units), weight_kg,
--   main_category (the category with the largest line amount), currency, items_amount, discount_amount, shipping_fee,
--   total_amount, status, is_sale, revenue, shipped_at, delivered_at, delivery_hours and delivery_days (shipped →
--   delivered: the carrier's time), promised_days (the zone's promised window), is_on_time.
-- Loyalty tier: from the customer's order revenue BEFORE this order (a running sum), bronze under 200 USD,
--   silver from 200, gold from 1,000, platinum from 5,000 (KRW: the same times 1,350). Each order keeps the tier
--   the customer had when placing it, so the tier's history is in this table.
-- Hours come from EXTRACT(EPOCH FROM DATE_TRUNC('second', ...)) cast to NUMERIC(18,0), as in status_funnel:
--   the one number of seconds every warehouse agrees on.
-- Redshift: a window aggregate with ORDER BY needs its frame spelled out (ROWS BETWEEN ... CURRENT ROW, less the
--   order itself: the shared grammar has no '1 PRECEDING' end); and ROW_NUMBER run as written; divisions have NUMERIC(p,s)
--   operands and an outer CAST, as in sales_by_region.
-- Source: core.fct_orders, core.fct_order_items, core.dim_product, core.fct_order_status_history.
SELECT
  o.order_id,
  o.order_date,
  o.ordered_at,
  o.customer_id,
  CASE
    WHEN o.spent_before >= 5000 * o.tier_unit THEN 'platinum'
    WHEN o.spent_before >= 1000 * o.tier_unit THEN 'gold'
    WHEN o.spent_before >= 200 * o.tier_unit THEN 'silver'
    ELSE 'bronze'
  END AS customer_tier,
  o.ship_country AS country,
  o.ship_region AS region,
  o.ship_city AS city,
  o.shipping_zone,
  COALESCE(i.lines, 0) AS lines,
  COALESCE(i.item_count, 0) AS item_count,
  CAST(COALESCE(i.grams, 0) / CAST(1000 AS NUMERIC(18,0)) AS NUMERIC(10,3)) AS weight_kg,
  i.category AS main_category,
  o.currency,
  o.items_amount,
  o.discount_amount,
  o.shipping_amount AS shipping_fee,
  o.total_amount,
  o.status,
  o.is_sale,
  o.revenue_amount AS revenue,
  s.shipped_at,
  s.delivered_at,
  CAST(s.carrier_seconds / CAST(3600 AS NUMERIC(18,0)) AS NUMERIC(10,1)) AS delivery_hours,
  CAST(CEILING(s.carrier_seconds / CAST(86400 AS NUMERIC(18,0))) AS INTEGER) AS delivery_days,
  CASE o.shipping_zone WHEN 'domestic' THEN 4 WHEN 'near' THEN 7 WHEN 'international' THEN 10 ELSE 14 END AS promised_days,
  CASE
    WHEN s.carrier_seconds IS NULL THEN NULL
    WHEN CEILING(s.carrier_seconds / CAST(86400 AS NUMERIC(18,0)))
         <= CASE o.shipping_zone WHEN 'domestic' THEN 4 WHEN 'near' THEN 7 WHEN 'international' THEN 10 ELSE 14 END THEN TRUE
    ELSE FALSE
  END AS is_on_time
FROM (
  SELECT
    f.*,
    CASE WHEN f.currency = 'KRW' THEN 1350 ELSE 1 END AS tier_unit,
    SUM(f.revenue_amount) OVER (PARTITION BY f.customer_id ORDER BY f.ordered_at, f.order_id
                                ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) - f.revenue_amount AS spent_before
  FROM core.fct_orders f
) o
LEFT JOIN (
  -- One pass over the lines: per order and category first (the main category is the biggest), then per order.
  SELECT c.order_id, SUM(c.lines) AS lines, SUM(c.item_count) AS item_count, SUM(c.grams) AS grams,
         MAX(CASE WHEN c.category_rank = 1 THEN c.category END) AS category
  FROM (
    SELECT oi.order_id, p.category, COUNT(*) AS lines, SUM(oi.quantity) AS item_count,
           SUM(ABS(oi.quantity) * p.weight_grams) AS grams,
           ROW_NUMBER() OVER (PARTITION BY oi.order_id ORDER BY SUM(oi.line_amount) DESC, p.category) AS category_rank
    FROM core.fct_order_items oi
    JOIN core.dim_product p ON p.product_id = oi.product_id
    GROUP BY oi.order_id, p.category
  ) c
  GROUP BY c.order_id
) i ON i.order_id = o.order_id
LEFT JOIN (
  SELECT
    h.order_id,
    MIN(CASE WHEN h.status = 'shipped' THEN h.changed_at END) AS shipped_at,
    MIN(CASE WHEN h.status = 'delivered' THEN h.changed_at END) AS delivered_at,
    MIN(CASE WHEN h.status = 'delivered' THEN CAST(EXTRACT(EPOCH FROM DATE_TRUNC('second', h.changed_at)) AS NUMERIC(18,0)) END)
      - MIN(CASE WHEN h.status = 'shipped' THEN CAST(EXTRACT(EPOCH FROM DATE_TRUNC('second', h.changed_at)) AS NUMERIC(18,0)) END)
      AS carrier_seconds
  FROM core.fct_order_status_history h
  WHERE h.status IN ('shipped', 'delivered')
  GROUP BY h.order_id
) s ON s.order_id = o.order_id

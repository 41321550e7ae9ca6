-- mart.delivery_performance: how the carriers do per destination country and month (grain: country × month_start).
-- Columns: country, shipping_zone, month_start (the month of the order, shop's local days), orders, orders_shipped,
--   orders_delivered, avg_delivery_days, p90_delivery_days, promised_days, on_time_share, shipping_fees,
--   average_shipping_fee.
-- p90 is the nearest rank (the smallest delivery_days with at least 90% of deliveries at or under it), from
--   ROW_NUMBER and COUNT windows: PERCENTILE_CONT's WITHIN GROUP is not shared by every warehouse's grammar here.
-- Means are SUM / COUNT over NUMERIC, not AVG (whose scale differs on Redshift), with an outer CAST.
-- Source: mart.orders.
SELECT
  d.country,
  d.shipping_zone,
  d.month_start,
  d.orders,
  d.orders_shipped,
  d.orders_delivered,
  CAST(CASE WHEN d.orders_delivered = 0 THEN NULL
            ELSE d.delivery_days_sum / CAST(d.orders_delivered AS NUMERIC(18,0)) END AS NUMERIC(6,2)) AS avg_delivery_days,
  d.p90_delivery_days,
  d.promised_days,
  CAST(CASE WHEN d.orders_delivered = 0 THEN NULL
            ELSE CAST(d.on_time AS NUMERIC(18,0)) / CAST(d.orders_delivered AS NUMERIC(18,0)) END AS NUMERIC(6,4)) AS on_time_share,
  d.shipping_fees,
  CAST(CASE WHEN d.sales_orders = 0 THEN 0
            ELSE d.shipping_fees / CAST(d.sales_orders AS NUMERIC(18,0)) END AS NUMERIC(12,2)) AS average_shipping_fee
FROM (
  SELECT
    r.country,
    MAX(r.shipping_zone) AS shipping_zone,
    r.month_start,
    COUNT(*) AS orders,
    SUM(CASE WHEN r.shipped_at IS NOT NULL THEN 1 ELSE 0 END) AS orders_shipped,
    SUM(CASE WHEN r.delivery_days IS NOT NULL THEN 1 ELSE 0 END) AS orders_delivered,
    SUM(CASE WHEN r.is_sale THEN 1 ELSE 0 END) AS sales_orders,
    CAST(SUM(r.delivery_days) AS NUMERIC(18,0)) AS delivery_days_sum,
    MIN(CASE WHEN r.delivery_days IS NOT NULL AND r.delivery_rank * 10 >= r.delivered_in_group * 9 THEN r.delivery_days END) AS p90_delivery_days,
    MAX(r.promised_days) AS promised_days,
    SUM(CASE WHEN r.is_on_time THEN 1 ELSE 0 END) AS on_time,
    CAST(SUM(CASE WHEN r.is_sale THEN r.shipping_fee ELSE 0 END) AS NUMERIC(14,2)) AS shipping_fees
  FROM (
    SELECT
      o.country, o.shipping_zone, CAST(DATE_TRUNC('month', o.order_date) AS DATE) AS month_start,
      o.shipped_at, o.delivery_days, o.is_on_time, o.promised_days, o.is_sale, o.shipping_fee,
      ROW_NUMBER() OVER (PARTITION BY o.country, CAST(DATE_TRUNC('month', o.order_date) AS DATE), CASE WHEN o.delivery_days IS NULL THEN 1 ELSE 0 END
                         ORDER BY o.delivery_days) AS delivery_rank,
      SUM(CASE WHEN o.delivery_days IS NOT NULL THEN 1 ELSE 0 END)
        OVER (PARTITION BY o.country, CAST(DATE_TRUNC('month', o.order_date) AS DATE)) AS delivered_in_group
    FROM orders o
  ) r
  GROUP BY r.country, r.month_start
) d

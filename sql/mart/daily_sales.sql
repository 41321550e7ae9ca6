-- mart.daily_sales: sales per local day of the shop (grain: one row per day from the first to the last order day).
-- Columns: order_date, day_name, is_weekend, orders (all placed), sales_orders (not cancelled or
--   refunded), cancelled_orders (cancelled or refunded), revenue (sum of revenue_amount), average_order_value
--   (revenue / sales_orders), items_sold, customers (distinct buyers), revenue_7d_avg (moving average over the
--   day and the 6 before it).
-- Source: core.dim_date (every day, so a day without orders shows 0), core.fct_orders, core.fct_order_items.
-- Redshift: an aggregate window with ORDER BY needs its frame spelled out (ROWS BETWEEN ...), as here.
-- Redshift: every division has NUMERIC(p,s) operands of bounded precision. Its quotient's scale is
--   max(4, s1 + p2 - s2 + 1), capped at 38 (r_numeric_computations201.html), so SUM()'s NUMERIC(38,2) over
--   another sum would overflow; the outer CAST gives every warehouse the same digits.
-- The moving average is SUM / COUNT over the frame, not AVG: Redshift's AVG(NUMERIC) keeps the argument's scale
--   (2 here) before the CAST rounds, PostgreSQL's does not, and the last digit could differ (c_Aggregate_Functions.html).
SELECT
  d.date_key AS order_date,
  d.day_name,
  d.is_weekend,
  COALESCE(o.orders, 0) AS orders,
  COALESCE(o.sales_orders, 0) AS sales_orders,
  COALESCE(o.orders, 0) - COALESCE(o.sales_orders, 0) AS cancelled_orders,
  CAST(COALESCE(o.revenue, 0) AS NUMERIC(14,2)) AS revenue,
  CAST(CASE WHEN COALESCE(o.sales_orders, 0) = 0 THEN 0
            ELSE CAST(o.revenue AS NUMERIC(14,2)) / CAST(o.sales_orders AS NUMERIC(18,0)) END AS NUMERIC(12,2)) AS average_order_value,
  COALESCE(i.items_sold, 0) AS items_sold,
  COALESCE(o.customers, 0) AS customers,
  CAST(CAST(SUM(COALESCE(o.revenue, 0)) OVER (ORDER BY d.date_key ROWS BETWEEN 6 PRECEDING AND CURRENT ROW) AS NUMERIC(16,2))
       / CAST(COUNT(*) OVER (ORDER BY d.date_key ROWS BETWEEN 6 PRECEDING AND CURRENT ROW) AS NUMERIC(18,0))
       AS NUMERIC(14,2)) AS revenue_7d_avg
FROM core.dim_date d
LEFT JOIN (
  SELECT order_date,
         COUNT(*) AS orders,
         SUM(CASE WHEN is_sale THEN 1 ELSE 0 END) AS sales_orders,
         SUM(revenue_amount) AS revenue,
         COUNT(DISTINCT CASE WHEN is_sale THEN customer_id END) AS customers
  FROM core.fct_orders
  GROUP BY order_date
) o ON o.order_date = d.date_key
LEFT JOIN (
  SELECT oi.order_date, SUM(oi.quantity) AS items_sold
  FROM core.fct_order_items oi
  JOIN core.fct_orders fo ON fo.order_id = oi.order_id
  WHERE fo.is_sale
  GROUP BY oi.order_date
) i ON i.order_date = d.date_key
WHERE d.date_key <= (SELECT MAX(order_date) FROM core.fct_orders)

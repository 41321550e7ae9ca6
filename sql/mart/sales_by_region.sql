-- mart.sales_by_region: sales per shipping region (grain: ship_country × ship_region).
-- Columns: ship_country, ship_region, orders, sales_orders, customers (distinct buyers), revenue,
--   average_order_value, revenue_share (of all revenue), revenue_rank (1 = most revenue).
-- Redshift: every division has NUMERIC(p,s) operands of bounded precision. Its quotient's scale is
--   max(4, s1 + p2 - s2 + 1), capped at 38 (r_numeric_computations201.html), so SUM()'s NUMERIC(38,2) over
--   another sum would overflow; the outer CAST gives every warehouse the same digits.
-- Source: core.fct_orders.
SELECT
  g.ship_country,
  g.ship_region,
  g.orders,
  g.sales_orders,
  g.customers,
  g.revenue,
  CAST(CASE WHEN g.sales_orders = 0 THEN 0 ELSE g.revenue / CAST(g.sales_orders AS NUMERIC(18,0)) END AS NUMERIC(12,2)) AS average_order_value,
  CAST(g.revenue / NULLIF(CAST(SUM(g.revenue) OVER () AS NUMERIC(16,2)), 0) AS NUMERIC(8,4)) AS revenue_share,
  CAST(RANK() OVER (ORDER BY g.revenue DESC) AS INTEGER) AS revenue_rank
FROM (
  SELECT
    ship_country,
    ship_region,
    COUNT(*) AS orders,
    SUM(CASE WHEN is_sale THEN 1 ELSE 0 END) AS sales_orders,
    COUNT(DISTINCT CASE WHEN is_sale THEN customer_id END) AS customers,
    CAST(SUM(revenue_amount) AS NUMERIC(14,2)) AS revenue
  FROM core.fct_orders
  GROUP BY ship_country, ship_region
) g

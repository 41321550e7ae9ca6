-- mart.category_month: revenue and margin per product category and month (grain: month_start × category).
-- Columns: month_start, category, orders, units, revenue (sum of line_amount), cost (sum of cost_amount),
--   margin (revenue - cost), margin_pct (margin / revenue).
-- Only lines of sales orders count (cancelled and refunded orders are not revenue). Line revenue leaves out
-- shipping, so it sums to less than daily_sales.revenue.
-- Redshift: every division has NUMERIC(p,s) operands of bounded precision. Its quotient's scale is
--   max(4, s1 + p2 - s2 + 1), capped at 38 (r_numeric_computations201.html), so SUM()'s NUMERIC(38,2) over
--   another sum would overflow; the outer CAST gives every warehouse the same digits.
-- Source: core.fct_order_items, core.fct_orders, core.dim_product, core.dim_date.
SELECT
  d.month_start,
  p.category,
  COUNT(DISTINCT oi.order_id) AS orders,
  SUM(oi.quantity) AS units,
  CAST(SUM(oi.line_amount) AS NUMERIC(14,2)) AS revenue,
  CAST(SUM(oi.cost_amount) AS NUMERIC(14,2)) AS cost,
  CAST(SUM(oi.line_amount) - SUM(oi.cost_amount) AS NUMERIC(14,2)) AS margin,
  CAST(CAST(SUM(oi.line_amount) - SUM(oi.cost_amount) AS NUMERIC(14,2))
       / NULLIF(CAST(SUM(oi.line_amount) AS NUMERIC(14,2)), 0) AS NUMERIC(8,4)) AS margin_pct
FROM core.fct_order_items oi
JOIN core.fct_orders o ON o.order_id = oi.order_id
JOIN core.dim_product p ON p.product_id = oi.product_id
JOIN core.dim_date d ON d.date_key = oi.order_date
WHERE o.is_sale
GROUP BY d.month_start, p.category

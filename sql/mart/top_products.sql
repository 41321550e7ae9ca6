-- mart.top_products: the 100 products with the most revenue (grain: product_id).
-- Columns: revenue_rank (1 = most revenue), product_id, sku, name, category, brand, orders, units, revenue,
--   margin, revenue_share (of all product revenue), cumulative_share (running share down the ranking:
--   the Pareto curve, e.g. how few products make 80% of revenue).
-- Redshift: every division has NUMERIC(p,s) operands of bounded precision. Its quotient's scale is
--   max(4, s1 + p2 - s2 + 1), capped at 38 (r_numeric_computations201.html), so SUM()'s NUMERIC(38,2) over
--   another sum would overflow; the outer CAST gives every warehouse the same digits.
-- Only lines of sales orders count. Source: core.fct_order_items, core.fct_orders, core.dim_product.
SELECT *
FROM (
  SELECT
    CAST(RANK() OVER (ORDER BY s.revenue DESC, s.product_id) AS INTEGER) AS revenue_rank,
    s.product_id, p.sku, p.name, p.category, p.brand,
    s.orders, s.units, s.revenue, s.margin,
    CAST(s.revenue / NULLIF(CAST(SUM(s.revenue) OVER () AS NUMERIC(16,2)), 0) AS NUMERIC(8,4)) AS revenue_share,
    CAST(CAST(SUM(s.revenue) OVER (ORDER BY s.revenue DESC, s.product_id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS NUMERIC(16,2))
         / NULLIF(CAST(SUM(s.revenue) OVER () AS NUMERIC(16,2)), 0) AS NUMERIC(8,4)) AS cumulative_share
  FROM (
    SELECT oi.product_id,
           COUNT(DISTINCT oi.order_id) AS orders,
           SUM(oi.quantity) AS units,
           CAST(SUM(oi.line_amount) AS NUMERIC(14,2)) AS revenue,
           CAST(SUM(oi.line_amount) - SUM(oi.cost_amount) AS NUMERIC(14,2)) AS margin
    FROM core.fct_order_items oi
    JOIN core.fct_orders o ON o.order_id = oi.order_id
    WHERE o.is_sale
    GROUP BY oi.product_id
  ) s
  JOIN core.dim_product p ON p.product_id = s.product_id
) ranked
WHERE revenue_rank <= 100

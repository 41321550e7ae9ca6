-- mart.monthly_sales: sales per calendar month (grain: one row per month), rolled up from the daily mart.
-- Columns: month_start, orders, sales_orders, revenue, average_order_value, items_sold,
--   revenue_growth (revenue / previous month's revenue - 1; NULL for the first month).
-- m.revenue is already NUMERIC(14,2), so revenue_growth divides two NUMERIC(14,2): DECIMAL(29,15).
-- Source: the daily_sales mart table, named unqualified: the build runs with search_path set to the schema it builds
-- into, and monthly_sales.yml's depends_on makes daily_sales build first.
-- Redshift: every division has NUMERIC(p,s) operands of bounded precision. Its quotient's scale is
--   max(4, s1 + p2 - s2 + 1), capped at 38 (r_numeric_computations201.html), so SUM()'s NUMERIC(38,2) over
--   another sum would overflow; the outer CAST gives every warehouse the same digits.
SELECT
  m.month_start,
  m.orders,
  m.sales_orders,
  m.revenue,
  CAST(CASE WHEN m.sales_orders = 0 THEN 0 ELSE m.revenue / CAST(m.sales_orders AS NUMERIC(18,0)) END AS NUMERIC(12,2)) AS average_order_value,
  m.items_sold,
  CAST(m.revenue / NULLIF(LAG(m.revenue) OVER (ORDER BY m.month_start), 0) - 1 AS NUMERIC(10,4)) AS revenue_growth
FROM (
  SELECT CAST(DATE_TRUNC('month', order_date) AS DATE) AS month_start,
         SUM(orders) AS orders,
         SUM(sales_orders) AS sales_orders,
         CAST(SUM(revenue) AS NUMERIC(14,2)) AS revenue,
         SUM(items_sold) AS items_sold
  FROM daily_sales
  GROUP BY CAST(DATE_TRUNC('month', order_date) AS DATE)
) m

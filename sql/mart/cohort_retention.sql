-- mart.cohort_retention: monthly cohorts and how many of them buy again (grain: cohort_month × month_number).
-- Columns: cohort_month (month of a customer's first sales order), month_number (0 = that month, 1 = the next...),
--   customers (cohort members with a sales order in that month), cohort_size, retention_rate (customers / cohort_size).
-- Built from one row per customer and month with a sale, so nothing needs COUNT(DISTINCT).
-- Month differences use year*12 + month, which PostgreSQL and Redshift both compute the same way
-- (Redshift's DATEDIFF(month, a, b) would also do; PostgreSQL has no DATEDIFF). MIN() OVER without ORDER BY
-- needs no frame clause on Redshift.
-- Redshift: every division has NUMERIC(p,s) operands of bounded precision. Its quotient's scale is
--   max(4, s1 + p2 - s2 + 1), capped at 38 (r_numeric_computations201.html), so SUM()'s NUMERIC(38,2) over
--   another sum would overflow; the outer CAST gives every warehouse the same digits.
-- Source: core.fct_orders.
SELECT
  c.cohort_month,
  c.month_number,
  c.customers,
  c.cohort_size,
  CAST(CAST(c.customers AS NUMERIC(18,0)) / CAST(c.cohort_size AS NUMERIC(18,0)) AS NUMERIC(8,4)) AS retention_rate
FROM (
  SELECT
    g.cohort_month,
    g.month_number,
    g.customers,
    MAX(CASE WHEN g.month_number = 0 THEN g.customers END) OVER (PARTITION BY g.cohort_month) AS cohort_size
  FROM (
    SELECT
      m.cohort_month,
      CAST((EXTRACT(YEAR FROM m.active_month) * 12 + EXTRACT(MONTH FROM m.active_month))
         - (EXTRACT(YEAR FROM m.cohort_month) * 12 + EXTRACT(MONTH FROM m.cohort_month)) AS INTEGER) AS month_number,
      COUNT(*) AS customers
    FROM (
      SELECT
        a.customer_id,
        a.active_month,
        MIN(a.active_month) OVER (PARTITION BY a.customer_id) AS cohort_month
      FROM (
        SELECT customer_id, CAST(DATE_TRUNC('month', order_date) AS DATE) AS active_month
        FROM core.fct_orders
        WHERE is_sale
        GROUP BY customer_id, CAST(DATE_TRUNC('month', order_date) AS DATE)
      ) a
    ) m
    GROUP BY m.cohort_month, m.active_month
  ) g
) c

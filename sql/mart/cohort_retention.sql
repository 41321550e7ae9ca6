-- mart.cohort_retention: monthly cohorts and how many of them buy again (grain: cohort_month × month_number).
-- Columns: cohort_month (month of a customer's first sales order), month_number (0 = that month, 1 = the next...),
--   customers (cohort members with a sales order in that month), cohort_size, retention_rate (customers / cohort_size).
-- Month differences use year*12 + month, which PostgreSQL and Redshift both compute the same way
-- (Redshift's DATEDIFF(month, a, b) would also do; PostgreSQL has no DATEDIFF).
-- Source: core.fct_orders, core.dim_date.
SELECT
  a.cohort_month,
  a.month_number,
  COUNT(DISTINCT a.customer_id) AS customers,
  MAX(z.cohort_size) AS cohort_size,
  CAST(CAST(COUNT(DISTINCT a.customer_id) AS NUMERIC(18,4)) / MAX(z.cohort_size) AS NUMERIC(8,4)) AS retention_rate
FROM (
  SELECT
    f.customer_id,
    f.cohort_month,
    CAST((EXTRACT(YEAR FROM d.month_start) * 12 + EXTRACT(MONTH FROM d.month_start))
       - (EXTRACT(YEAR FROM f.cohort_month) * 12 + EXTRACT(MONTH FROM f.cohort_month)) AS INTEGER) AS month_number
  FROM core.fct_orders o
  JOIN core.dim_date d ON d.date_key = o.order_date
  JOIN (
    SELECT o1.customer_id, MIN(d1.month_start) AS cohort_month
    FROM core.fct_orders o1
    JOIN core.dim_date d1 ON d1.date_key = o1.order_date
    WHERE o1.is_sale
    GROUP BY o1.customer_id
  ) f ON f.customer_id = o.customer_id
  WHERE o.is_sale
) a
JOIN (
  SELECT cohort_month, COUNT(*) AS cohort_size
  FROM (
    SELECT o2.customer_id, MIN(d2.month_start) AS cohort_month
    FROM core.fct_orders o2
    JOIN core.dim_date d2 ON d2.date_key = o2.order_date
    WHERE o2.is_sale
    GROUP BY o2.customer_id
  ) firsts
  GROUP BY cohort_month
) z ON z.cohort_month = a.cohort_month
GROUP BY a.cohort_month, a.month_number

-- mart.customer_rfm: recency, frequency and monetary value of every customer who bought (grain: customer_id).
-- Columns: customer_id, region, signup_channel (current version), first_order_date, last_order_date,
--   recency_days (days from the last order to the last order day in the data), frequency (sales orders),
--   monetary (revenue), r_score, f_score, m_score (1-5 quintiles, 5 = best), rfm_segment.
-- Segments: Champions (r>=4, f>=4), Loyal (r>=3, f>=3), New (r>=4, f<=2), At risk (r<=2, f>=3),
--   Hibernating (r<=2, f<=2), Needs attention (the rest). Quintiles of tied values split arbitrarily but
--   deterministically (ties broken by customer_id).
-- date - date is a whole number of days on PostgreSQL and on Redshift (where DATEDIFF(day, a, b) says the same).
-- Source: core.fct_orders, core.dim_customer.
SELECT
  s.customer_id, s.region, s.signup_channel, s.first_order_date, s.last_order_date,
  s.recency_days, s.frequency, s.monetary, s.r_score, s.f_score, s.m_score,
  CASE
    WHEN s.r_score >= 4 AND s.f_score >= 4 THEN 'Champions'
    WHEN s.r_score >= 3 AND s.f_score >= 3 THEN 'Loyal'
    WHEN s.r_score >= 4 AND s.f_score <= 2 THEN 'New'
    WHEN s.r_score <= 2 AND s.f_score >= 3 THEN 'At risk'
    WHEN s.r_score <= 2 AND s.f_score <= 2 THEN 'Hibernating'
    ELSE 'Needs attention'
  END AS rfm_segment
FROM (
  SELECT
    b.*,
    CAST(NTILE(5) OVER (ORDER BY b.recency_days DESC, b.customer_id) AS SMALLINT) AS r_score,
    CAST(NTILE(5) OVER (ORDER BY b.frequency, b.customer_id) AS SMALLINT) AS f_score,
    CAST(NTILE(5) OVER (ORDER BY b.monetary, b.customer_id) AS SMALLINT) AS m_score
  FROM (
    SELECT
      o.customer_id,
      c.region,
      c.signup_channel,
      MIN(o.order_date) AS first_order_date,
      MAX(o.order_date) AS last_order_date,
      (SELECT MAX(order_date) FROM core.fct_orders) - MAX(o.order_date) AS recency_days,
      COUNT(*) AS frequency,
      CAST(SUM(o.revenue_amount) AS NUMERIC(14,2)) AS monetary
    FROM core.fct_orders o
    JOIN core.dim_customer c ON c.customer_id = o.customer_id AND c.is_current
    WHERE o.is_sale
    GROUP BY o.customer_id, c.region, c.signup_channel
  ) b
) s

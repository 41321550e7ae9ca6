-- mart.rfm_segments: the RFM segments summed up (grain: rfm_segment).
-- Columns: rfm_segment, customers, customer_share, revenue, revenue_share, avg_recency_days, avg_frequency.
-- Redshift: every division has NUMERIC(p,s) operands of bounded precision. Its quotient's scale is
--   max(4, s1 + p2 - s2 + 1), capped at 38 (r_numeric_computations201.html), so SUM()'s NUMERIC(38,2) over
--   another sum would overflow; the outer CAST gives every warehouse the same digits.
-- Averages are SUM / COUNT, not AVG: Redshift's AVG(NUMERIC) keeps the argument's scale (c_Aggregate_Functions.html).
-- Source: the customer_rfm mart table, named unqualified (the build's search_path finds it; see rfm_segments.yml).
SELECT
  rfm_segment,
  COUNT(*) AS customers,
  CAST(CAST(COUNT(*) AS NUMERIC(18,0)) / CAST(SUM(COUNT(*)) OVER () AS NUMERIC(18,0)) AS NUMERIC(8,4)) AS customer_share,
  CAST(SUM(monetary) AS NUMERIC(14,2)) AS revenue,
  CAST(CAST(SUM(monetary) AS NUMERIC(16,2)) / NULLIF(CAST(SUM(SUM(monetary)) OVER () AS NUMERIC(16,2)), 0) AS NUMERIC(8,4)) AS revenue_share,
  CAST(CAST(SUM(recency_days) AS NUMERIC(18,0)) / CAST(COUNT(*) AS NUMERIC(18,0)) AS NUMERIC(10,1)) AS avg_recency_days,
  CAST(CAST(SUM(frequency) AS NUMERIC(18,0)) / CAST(COUNT(*) AS NUMERIC(18,0)) AS NUMERIC(10,2)) AS avg_frequency
FROM customer_rfm
GROUP BY rfm_segment

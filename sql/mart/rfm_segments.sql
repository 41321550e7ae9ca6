-- mart.rfm_segments: the RFM segments summed up (grain: rfm_segment).
-- Columns: rfm_segment, customers, customer_share, revenue, revenue_share, avg_recency_days, avg_frequency.
-- Source: the customer_rfm mart table, named unqualified (the build's search_path finds it; see rfm_segments.yml).
SELECT
  rfm_segment,
  COUNT(*) AS customers,
  CAST(CAST(COUNT(*) AS NUMERIC(18,4)) / SUM(COUNT(*)) OVER () AS NUMERIC(8,4)) AS customer_share,
  CAST(SUM(monetary) AS NUMERIC(14,2)) AS revenue,
  CAST(SUM(monetary) / NULLIF(SUM(SUM(monetary)) OVER (), 0) AS NUMERIC(8,4)) AS revenue_share,
  CAST(AVG(CAST(recency_days AS NUMERIC(12,2))) AS NUMERIC(10,1)) AS avg_recency_days,
  CAST(AVG(CAST(frequency AS NUMERIC(12,2))) AS NUMERIC(10,2)) AS avg_frequency
FROM customer_rfm
GROUP BY rfm_segment

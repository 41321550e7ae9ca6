-- mart.status_funnel: how far orders get (grain: status, in funnel order).
-- Columns: step (1 placed .. 4 delivered, 5 cancelled, 6 refunded), status, orders_reached (orders that ever had
--   this status), share_of_placed (orders_reached / orders placed), orders_now (orders whose current status it is),
--   avg_hours_from_placed (mean time from the order being placed to the status change).
-- The shop records each status once per order, so rows are counted, not distinct orders: COUNT(DISTINCT) over
-- the 4 million changes of a 1M-order shop doubled this table's build time. A status recorded twice would count twice.
-- Hours come from EXTRACT(EPOCH FROM ...) differences: both engines take EPOCH of a timestamp, while
-- interval arithmetic differs on Redshift. EPOCH is of the whole second (DATE_TRUNC) cast to NUMERIC(18,0):
-- PostgreSQL 14+ returns NUMERIC with the milliseconds; Redshift returns DOUBLE PRECISION for a TIMESTAMPTZ and
-- INTEGER for the TIMESTAMP its DATE_TRUNC gives (r_EXTRACT_function.html), so whole seconds are the one number
-- every warehouse agrees on; the mean is SUM / COUNT, not AVG (whose scale
-- differs on Redshift: c_Aggregate_Functions.html).
-- Redshift: every division has NUMERIC(p,s) operands of bounded precision. Its quotient's scale is
--   max(4, s1 + p2 - s2 + 1), capped at 38 (r_numeric_computations201.html), so SUM()'s NUMERIC(38,2) over
--   another sum would overflow; the outer CAST gives every warehouse the same digits.
-- Source: core.fct_order_status_history, core.fct_orders.
SELECT
  r.step,
  r.status,
  r.orders_reached,
  CAST(CAST(r.orders_reached AS NUMERIC(18,0)) / NULLIF(CAST(p.placed AS NUMERIC(18,0)), 0) AS NUMERIC(8,4)) AS share_of_placed,
  COALESCE(n.orders_now, 0) AS orders_now,
  CAST(r.seconds_from_placed / CAST(r.orders_reached * 3600 AS NUMERIC(18,0)) AS NUMERIC(10,1)) AS avg_hours_from_placed
FROM (
  SELECT
    CASE h.status WHEN 'placed' THEN 1 WHEN 'paid' THEN 2 WHEN 'shipped' THEN 3 WHEN 'delivered' THEN 4
                  WHEN 'cancelled' THEN 5 WHEN 'refunded' THEN 6 ELSE 9 END AS step,
    h.status,
    COUNT(*) AS orders_reached,
    CAST(SUM(CAST(EXTRACT(EPOCH FROM DATE_TRUNC('second', h.changed_at)) AS NUMERIC(18,0))
           - CAST(EXTRACT(EPOCH FROM DATE_TRUNC('second', o.ordered_at)) AS NUMERIC(18,0))) AS NUMERIC(18,0)) AS seconds_from_placed
  FROM core.fct_order_status_history h
  JOIN core.fct_orders o ON o.order_id = h.order_id
  GROUP BY h.status
) r
CROSS JOIN (SELECT COUNT(*) AS placed FROM core.fct_order_status_history WHERE status = 'placed') p
LEFT JOIN (SELECT status, COUNT(*) AS orders_now FROM core.fct_orders GROUP BY status) n ON n.status = r.status

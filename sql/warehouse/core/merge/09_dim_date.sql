-- Rebuild core.dim_date: every UTC day from the first order to the latest order, payment or status change.
-- Days come from a 0..9999 numbers table made of digits (about 27 years), not generate_series, which
-- Redshift runs only on the leader node. It is rebuilt whole: a few thousand rows, and always consistent.
DELETE FROM core.dim_date;

INSERT INTO core.dim_date (
  date_key, year, quarter, month, month_name, month_start, week_start,
  day_of_month, day_of_week, day_name, is_weekend
)
SELECT
  d.calendar_date,
  CAST(EXTRACT(YEAR FROM d.calendar_date) AS SMALLINT),
  CAST(EXTRACT(QUARTER FROM d.calendar_date) AS SMALLINT),
  CAST(EXTRACT(MONTH FROM d.calendar_date) AS SMALLINT),
  TO_CHAR(d.calendar_date, 'Mon'),
  CAST(DATE_TRUNC('month', d.calendar_date) AS DATE),
  CAST(DATE_TRUNC('week', d.calendar_date) AS DATE),
  CAST(EXTRACT(DAY FROM d.calendar_date) AS SMALLINT),
  CAST(EXTRACT(DOW FROM d.calendar_date) AS SMALLINT),
  TO_CHAR(d.calendar_date, 'Dy'),
  EXTRACT(DOW FROM d.calendar_date) IN (0, 6)
FROM (
  -- date + integer is a date on PostgreSQL and on Redshift.
  SELECT b.first_day + n.n AS calendar_date, b.last_day
  FROM (
    SELECT a.d + 10 * b.d + 100 * c.d + 1000 * e.d AS n
    FROM (SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4
          UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) a
    CROSS JOIN (SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4
          UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) b
    CROSS JOIN (SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4
          UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) c
    CROSS JOIN (SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4
          UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) e
  ) n
  CROSS JOIN (
    SELECT MIN(day) AS first_day, MAX(day) AS last_day
    FROM (
      SELECT MIN(order_date) AS day FROM core.fct_orders UNION ALL SELECT MAX(order_date) FROM core.fct_orders
      UNION ALL SELECT MAX(paid_date) FROM core.fct_payments
      UNION ALL SELECT MAX(changed_date) FROM core.fct_order_status_history
    ) days
  ) b
  WHERE b.first_day + n.n <= b.last_day
) d;

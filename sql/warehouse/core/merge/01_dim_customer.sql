-- Merge staging.customers into core.dim_customer as SCD type 2 history.
-- Only versions newer than the newest one core already holds are added, so a rerun adds nothing.
-- Redshift: CREATE TEMP TABLE ... AS, UPDATE ... FROM and window functions all run as written.

-- The staged versions still to add (a key staged twice with the same updated_at is one version).
CREATE TEMP TABLE new_customer_versions AS
SELECT v.customer_id, v.email, v.first_name, v.last_name, v.phone, v.city, v.region, v.country,
       v.signup_channel, v.created_at, v.updated_at
FROM (
  SELECT c.*, ROW_NUMBER() OVER (PARTITION BY c.customer_id, c.updated_at ORDER BY c.customer_id) AS version_rank
  FROM staging.customers c
) v
WHERE v.version_rank = 1
  AND NOT EXISTS (
    SELECT 1 FROM core.dim_customer d
    WHERE d.customer_id = v.customer_id AND d.updated_at >= v.updated_at
  );

-- Close the current version of each changed customer: it was valid until its first new version.
UPDATE core.dim_customer
SET valid_to = n.first_change, is_current = FALSE
FROM (
  SELECT customer_id, MIN(updated_at) AS first_change FROM new_customer_versions GROUP BY customer_id
) n
WHERE core.dim_customer.customer_id = n.customer_id
  AND core.dim_customer.is_current;

-- Add the new versions; each is valid until the next one. A customer's very first version is valid from
-- sign-up, so orders placed before the first extract still find the customer.
INSERT INTO core.dim_customer (
  customer_key, customer_id, email, first_name, last_name, phone, city, region, country, signup_channel,
  signed_up_at, updated_at, valid_from, valid_to, is_current
)
SELECT
  k.max_key + ROW_NUMBER() OVER (ORDER BY v.customer_id, v.updated_at),
  v.customer_id,
  NULLIF(LOWER(TRIM(v.email)), ''),
  TRIM(v.first_name),
  TRIM(v.last_name),
  NULLIF(TRIM(v.phone), ''),
  NULLIF(TRIM(v.city), ''),
  TRIM(v.region),
  UPPER(v.country),
  LOWER(TRIM(v.signup_channel)),
  v.created_at,
  v.updated_at,
  CASE
    WHEN known.customer_id IS NULL
     AND LAG(v.updated_at) OVER (PARTITION BY v.customer_id ORDER BY v.updated_at) IS NULL
    THEN LEAST(v.created_at, v.updated_at)
    ELSE v.updated_at
  END,
  COALESCE(LEAD(v.updated_at) OVER (PARTITION BY v.customer_id ORDER BY v.updated_at),
           CAST('9999-12-31 00:00:00+00' AS TIMESTAMPTZ)),
  LEAD(v.updated_at) OVER (PARTITION BY v.customer_id ORDER BY v.updated_at) IS NULL
FROM new_customer_versions v
CROSS JOIN (SELECT COALESCE(MAX(customer_key), 0) AS max_key FROM core.dim_customer) k
LEFT JOIN (SELECT DISTINCT customer_id FROM core.dim_customer) known ON known.customer_id = v.customer_id;

DROP TABLE new_customer_versions;

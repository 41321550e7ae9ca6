-- core.dim_customer: customers with their history, SCD type 2 (grain: one row per customer version).
-- Rows come from staging.customers (merge/01_dim_customer.sql). A changed customer gets a new row with a new
-- customer_key; the old row is closed (valid_to = the change time, is_current = false), so an order keeps the
-- customer's region and channel as they were when it was placed.
-- customer_key is assigned by the merge (MAX + ROW_NUMBER), not an IDENTITY/serial: the same SQL runs on
-- PostgreSQL and Redshift, and only one merge runs at a time (it locks core.loaded_runs).
-- Text widths are Redshift bytes, 4 per source character, like staging's (see sql/warehouse/staging/00_schema.sql).
CREATE TABLE IF NOT EXISTS core.dim_customer (
  customer_key    BIGINT        NOT NULL,
  customer_id     BIGINT        NOT NULL,
  email           VARCHAR(1020),
  first_name      VARCHAR(400)  NOT NULL,
  last_name       VARCHAR(400)  NOT NULL,
  phone           VARCHAR(160),
  city            VARCHAR(400),
  region          VARCHAR(400)  NOT NULL,
  country         CHAR(2)       NOT NULL,
  signup_channel  VARCHAR(20)   NOT NULL,
  signed_up_at    TIMESTAMPTZ   NOT NULL,
  updated_at      TIMESTAMPTZ   NOT NULL,
  valid_from      TIMESTAMPTZ   NOT NULL,
  valid_to        TIMESTAMPTZ   NOT NULL,   -- 9999-12-31 for the current version
  is_current      BOOLEAN       NOT NULL,
  PRIMARY KEY (customer_key)                -- Redshift accepts but does not enforce keys: 01_dim_customer.yml tests them
);

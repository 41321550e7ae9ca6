-- staging.customers: the customers rows of the pending lake runs, as extracted (grain: one row per source row per run).
CREATE TABLE IF NOT EXISTS staging.customers (
  customer_id     BIGINT        NOT NULL,
  email           VARCHAR(1020),
  first_name      VARCHAR(400)  NOT NULL,
  last_name       VARCHAR(400)  NOT NULL,
  phone           VARCHAR(160),
  city            VARCHAR(400),
  region          VARCHAR(400)  NOT NULL,
  country         CHAR(2)       NOT NULL,
  signup_channel  VARCHAR(20)   NOT NULL,
  created_at      TIMESTAMPTZ   NOT NULL,
  updated_at      TIMESTAMPTZ   NOT NULL
);

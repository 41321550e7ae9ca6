-- customers: one row per shop customer (grain: customer_id).
-- Rows come from lib/generate (synthetic, seeded). Contact fields are nullable because real sign-ups are messy.
-- All timestamps are UTC: the generator writes UTC, and every source connection runs with time_zone '+00:00'
-- (UTC_SESSION_SQL, lib/source/connection.ts) so NOW() agrees. DATETIME, not TIMESTAMP, to pass 2038.
CREATE TABLE IF NOT EXISTS customers (
  customer_id     INT UNSIGNED  NOT NULL,
  email           VARCHAR(255)  NULL,
  first_name      VARCHAR(100)  NOT NULL,
  last_name       VARCHAR(100)  NOT NULL,
  phone           VARCHAR(40)   NULL,
  city            VARCHAR(100)  NULL,
  region          VARCHAR(100)  NOT NULL,
  country         CHAR(2)       NOT NULL,
  signup_channel  VARCHAR(20)   NOT NULL,   -- web | app | marketplace | store
  created_at      DATETIME(3)   NOT NULL,
  updated_at      DATETIME(3)   NOT NULL,
  PRIMARY KEY (customer_id),
  KEY ix_customers_updated (updated_at, customer_id)   -- incremental extract: WHERE updated_at > watermark
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

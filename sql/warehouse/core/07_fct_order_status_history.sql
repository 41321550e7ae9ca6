-- core.fct_order_status_history: one row per status change of an order (grain: status_history_id).
-- Rows come from staging.order_status_history (merge/07_fct_order_status_history.sql); the funnel mart reads it.
CREATE TABLE IF NOT EXISTS core.fct_order_status_history (
  status_history_id  BIGINT       NOT NULL,
  order_id           BIGINT       NOT NULL,
  status             VARCHAR(20)  NOT NULL,
  changed_at         TIMESTAMPTZ  NOT NULL,
  changed_date       DATE         NOT NULL,  -- the UTC day of changed_at
  created_at         TIMESTAMPTZ  NOT NULL,
  updated_at         TIMESTAMPTZ  NOT NULL
  -- grain status_history_id; no PRIMARY KEY index on facts (see fct_orders.sql), the unique test in its .yml checks it.
);

-- staging.order_status_history: the order_status_history rows of the pending lake runs.
CREATE TABLE IF NOT EXISTS staging.order_status_history (
  status_history_id  BIGINT       NOT NULL,
  order_id           BIGINT       NOT NULL,
  status             VARCHAR(20)  NOT NULL,
  changed_at         TIMESTAMPTZ  NOT NULL,
  created_at         TIMESTAMPTZ  NOT NULL,
  updated_at         TIMESTAMPTZ  NOT NULL
);

-- staging.payments: the payments rows of the pending lake runs.
CREATE TABLE IF NOT EXISTS staging.payments (
  payment_id   BIGINT         NOT NULL,
  order_id     BIGINT         NOT NULL,
  method       VARCHAR(20)    NOT NULL,
  status       VARCHAR(20)    NOT NULL,
  amount       NUMERIC(12,2)  NOT NULL,
  paid_at      TIMESTAMPTZ,
  created_at   TIMESTAMPTZ    NOT NULL,
  updated_at   TIMESTAMPTZ    NOT NULL
);

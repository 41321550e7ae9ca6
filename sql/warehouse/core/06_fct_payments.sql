-- core.fct_payments: one row per payment attempt or refund (grain: payment_id).
-- Rows come from staging.payments (merge/06_fct_payments.sql).
CREATE TABLE IF NOT EXISTS core.fct_payments (
  payment_id     BIGINT         NOT NULL,
  order_id       BIGINT         NOT NULL,
  method         VARCHAR(20)    NOT NULL,  -- card | bank_transfer | wallet | gift_card
  status         VARCHAR(20)    NOT NULL,  -- captured | failed | refunded
  amount         NUMERIC(12,2)  NOT NULL,
  paid_at        TIMESTAMPTZ,
  paid_date      DATE,                     -- the UTC day of paid_at
  created_at     TIMESTAMPTZ    NOT NULL,
  updated_at     TIMESTAMPTZ    NOT NULL
  -- grain payment_id; no PRIMARY KEY index on facts (see fct_orders.sql), the unique test in its .yml checks it.
);

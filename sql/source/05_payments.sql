-- payments: one row per payment attempt or refund (grain: payment_id); an order may have several.
CREATE TABLE IF NOT EXISTS payments (
  payment_id   BIGINT UNSIGNED NOT NULL,
  order_id     BIGINT UNSIGNED NOT NULL,
  method       VARCHAR(20)     NOT NULL,  -- card | bank_transfer | wallet | gift_card
  status       VARCHAR(20)     NOT NULL,  -- captured | failed | refunded
  amount       DECIMAL(12,2)   NOT NULL,
  paid_at      DATETIME(3)     NULL,
  created_at   DATETIME(3)     NOT NULL,
  updated_at   DATETIME(3)     NOT NULL,
  PRIMARY KEY (payment_id),
  KEY ix_payments_order (order_id),
  KEY ix_payments_updated (updated_at, payment_id),
  CONSTRAINT fk_payments_order FOREIGN KEY (order_id) REFERENCES orders (order_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

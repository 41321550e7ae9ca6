-- order_status_history: one row per status change of an order (grain: status_history_id).
-- placed -> paid -> shipped -> delivered, or -> cancelled / refunded. Append-only in the shop.
CREATE TABLE IF NOT EXISTS order_status_history (
  status_history_id  BIGINT UNSIGNED NOT NULL,
  order_id           BIGINT UNSIGNED NOT NULL,
  status             VARCHAR(20)     NOT NULL,
  changed_at         DATETIME(3)     NOT NULL,
  created_at         DATETIME(3)     NOT NULL,
  updated_at         DATETIME(3)     NOT NULL,
  PRIMARY KEY (status_history_id),
  KEY ix_history_order (order_id, changed_at),
  KEY ix_history_updated (updated_at, status_history_id),
  CONSTRAINT fk_history_order FOREIGN KEY (order_id) REFERENCES orders (order_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

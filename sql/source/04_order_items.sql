-- order_items: one row per product line in an order (grain: order_item_id).
-- quantity is signed so the --dirty lesson can show negative quantities arriving from upstream.
-- line_amount = quantity * unit_price - discount_amount.
CREATE TABLE IF NOT EXISTS order_items (
  order_item_id    BIGINT UNSIGNED NOT NULL,
  order_id         BIGINT UNSIGNED NOT NULL,
  product_id       INT UNSIGNED    NOT NULL,
  quantity         INT             NOT NULL,
  unit_price       DECIMAL(10,2)   NOT NULL,
  discount_amount  DECIMAL(10,2)   NOT NULL,
  line_amount      DECIMAL(12,2)   NOT NULL,
  created_at       DATETIME(3)     NOT NULL,
  updated_at       DATETIME(3)     NOT NULL,
  PRIMARY KEY (order_item_id),
  KEY ix_items_order (order_id),
  KEY ix_items_product (product_id),
  KEY ix_items_updated (updated_at, order_item_id),
  CONSTRAINT fk_items_order FOREIGN KEY (order_id) REFERENCES orders (order_id),
  CONSTRAINT fk_items_product FOREIGN KEY (product_id) REFERENCES products (product_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

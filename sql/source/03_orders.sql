-- orders: one row per order (grain: order_id). The original project named this table `order`,
-- a reserved word in SQL: CREATE TABLE order (...) fails. Plural names avoid quoting everywhere.
-- status is the current state; its history is in order_status_history.
-- total_amount = items_amount - discount_amount + shipping_amount.
CREATE TABLE IF NOT EXISTS orders (
  order_id         BIGINT UNSIGNED NOT NULL,
  customer_id      INT UNSIGNED    NOT NULL,
  status           VARCHAR(20)     NOT NULL,  -- placed | paid | shipped | delivered | cancelled | refunded
  ordered_at       DATETIME(3)     NOT NULL,
  currency         CHAR(3)         NOT NULL,
  ship_city        VARCHAR(100)    NULL,
  ship_region      VARCHAR(100)    NOT NULL,
  ship_country     CHAR(2)         NOT NULL,
  shipping_zone    VARCHAR(20)     NOT NULL,   -- domestic | near | international | far
  items_amount     DECIMAL(12,2)   NOT NULL,
  discount_amount  DECIMAL(12,2)   NOT NULL,
  shipping_amount  DECIMAL(10,2)   NOT NULL,
  total_amount     DECIMAL(12,2)   NOT NULL,
  created_at       DATETIME(3)     NOT NULL,
  updated_at       DATETIME(3)     NOT NULL,
  PRIMARY KEY (order_id),
  KEY ix_orders_customer (customer_id),
  KEY ix_orders_ordered (ordered_at),
  KEY ix_orders_updated (updated_at, order_id),
  CONSTRAINT fk_orders_customer FOREIGN KEY (customer_id) REFERENCES customers (customer_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- staging.orders: the orders rows of the pending lake runs.
CREATE TABLE IF NOT EXISTS staging.orders (
  order_id         BIGINT         NOT NULL,
  customer_id      BIGINT         NOT NULL,
  status           VARCHAR(20)    NOT NULL,
  ordered_at       TIMESTAMPTZ    NOT NULL,
  currency         CHAR(3)        NOT NULL,
  ship_city        VARCHAR(400),
  ship_region      VARCHAR(400)   NOT NULL,
  ship_country     CHAR(2)        NOT NULL,
  shipping_zone    VARCHAR(20)    NOT NULL,
  items_amount     NUMERIC(12,2)  NOT NULL,
  discount_amount  NUMERIC(12,2)  NOT NULL,
  shipping_amount  NUMERIC(10,2)  NOT NULL,
  total_amount     NUMERIC(12,2)  NOT NULL,
  created_at       TIMESTAMPTZ    NOT NULL,
  updated_at       TIMESTAMPTZ    NOT NULL
);

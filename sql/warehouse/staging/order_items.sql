-- staging.order_items: the order_items rows of the pending lake runs.
CREATE TABLE IF NOT EXISTS staging.order_items (
  order_item_id    BIGINT         NOT NULL,
  order_id         BIGINT         NOT NULL,
  product_id       BIGINT         NOT NULL,
  quantity         INTEGER        NOT NULL,
  unit_price       NUMERIC(10,2)  NOT NULL,
  discount_amount  NUMERIC(10,2)  NOT NULL,
  line_amount      NUMERIC(12,2)  NOT NULL,
  created_at       TIMESTAMPTZ    NOT NULL,
  updated_at       TIMESTAMPTZ    NOT NULL
);

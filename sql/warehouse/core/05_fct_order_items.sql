-- core.fct_order_items: one row per product line of an order (grain: order_item_id).
-- Rows come from staging.order_items (merge/05_fct_order_items.sql); cost_amount is quantity x the product's
-- cost when the line was merged, so margins do not move when a product's cost changes later.
CREATE TABLE IF NOT EXISTS core.fct_order_items (
  order_item_id    BIGINT         NOT NULL,
  order_id         BIGINT         NOT NULL,
  product_id       BIGINT         NOT NULL,
  order_date       DATE,                     -- the order's local day (core.fct_orders.order_date); NULL only if the order is missing: the relationships test (05_fct_order_items.yml) fails then
  quantity         INTEGER        NOT NULL,
  unit_price       NUMERIC(10,2)  NOT NULL,
  discount_amount  NUMERIC(10,2)  NOT NULL,
  line_amount      NUMERIC(12,2)  NOT NULL,
  cost_amount      NUMERIC(12,2),
  created_at       TIMESTAMPTZ    NOT NULL,
  updated_at       TIMESTAMPTZ    NOT NULL
  -- grain order_item_id; no PRIMARY KEY index on facts (see fct_orders.sql), the unique test in its .yml checks it.
);

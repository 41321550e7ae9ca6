-- core.fct_orders: one row per order, its current status and amounts (grain: order_id).
-- Rows come from staging.orders (merge/04_fct_orders.sql), keyed to the customer version valid when the
-- order was placed and to the order's local day (order_date → core.dim_date.date_key). An order counts as a sale (is_sale) unless it was cancelled or
-- refunded; revenue_amount is total_amount for sales and 0 otherwise, so every mart sums one definition of revenue.
CREATE TABLE IF NOT EXISTS core.fct_orders (
  order_id         BIGINT         NOT NULL,
  customer_id      BIGINT         NOT NULL,
  customer_key     BIGINT,                   -- NULL only if the customer is missing: its not_null test fails then
  order_date       DATE           NOT NULL,  -- the shop's local day of ordered_at (see the merge)
  ordered_at       TIMESTAMPTZ    NOT NULL,
  status           VARCHAR(20)    NOT NULL,  -- placed | paid | shipped | delivered | cancelled | refunded
  currency         CHAR(3)        NOT NULL,
  ship_city        VARCHAR(400),
  ship_region      VARCHAR(400)   NOT NULL,
  ship_country     CHAR(2)        NOT NULL,
  shipping_zone    VARCHAR(20)    NOT NULL,  -- domestic | near | international | far
  items_amount     NUMERIC(12,2)  NOT NULL,
  discount_amount  NUMERIC(12,2)  NOT NULL,
  shipping_amount  NUMERIC(10,2)  NOT NULL,
  total_amount     NUMERIC(12,2)  NOT NULL,
  is_sale          BOOLEAN        NOT NULL,
  revenue_amount   NUMERIC(12,2)  NOT NULL,
  created_at       TIMESTAMPTZ    NOT NULL,
  updated_at       TIMESTAMPTZ    NOT NULL
  -- grain order_id. No PRIMARY KEY on facts: the index would triple the time a full load spends writing
  -- them, and Redshift would not enforce it anyway. 04_fct_orders.yml declares the key unique, tested before commit.
);

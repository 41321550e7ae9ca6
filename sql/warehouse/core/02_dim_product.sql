-- core.dim_product: the catalogue as it is now, SCD type 1 (grain: product_id).
-- Rows come from staging.products (merge/02_dim_product.sql); a changed product overwrites its row.
CREATE TABLE IF NOT EXISTS core.dim_product (
  product_id   BIGINT         NOT NULL,
  sku          VARCHAR(128)   NOT NULL,
  name         VARCHAR(800)   NOT NULL,
  category     VARCHAR(200)   NOT NULL,
  brand        VARCHAR(400)   NOT NULL,
  weight_grams INTEGER        NOT NULL,   -- one unit's shipping weight
  price        NUMERIC(10,2)  NOT NULL,
  cost         NUMERIC(10,2)  NOT NULL,
  unit_margin  NUMERIC(10,2)  NOT NULL,   -- price - cost
  is_active    BOOLEAN        NOT NULL,
  created_at   TIMESTAMPTZ    NOT NULL,
  updated_at   TIMESTAMPTZ    NOT NULL,
  PRIMARY KEY (product_id)
);

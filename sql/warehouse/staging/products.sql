-- staging.products: the products rows of the pending lake runs.
CREATE TABLE IF NOT EXISTS staging.products (
  product_id   BIGINT         NOT NULL,
  sku          VARCHAR(128)   NOT NULL,
  name         VARCHAR(800)   NOT NULL,
  category     VARCHAR(200)   NOT NULL,
  brand        VARCHAR(400)   NOT NULL,
  weight_grams INTEGER        NOT NULL,
  price        NUMERIC(10,2)  NOT NULL,
  cost         NUMERIC(10,2)  NOT NULL,
  is_active    SMALLINT       NOT NULL,
  created_at   TIMESTAMPTZ    NOT NULL,
  updated_at   TIMESTAMPTZ    NOT NULL
);

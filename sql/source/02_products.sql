-- products: the catalogue (grain: product_id). Price and cost are DECIMAL: money is never a float.
CREATE TABLE IF NOT EXISTS products (
  product_id   INT UNSIGNED   NOT NULL,
  sku          VARCHAR(32)    NOT NULL,
  name         VARCHAR(200)   NOT NULL,
  category     VARCHAR(50)    NOT NULL,
  brand        VARCHAR(100)   NOT NULL,
  weight_grams INT            NOT NULL,   -- one unit's shipping weight
  price        DECIMAL(10,2)  NOT NULL,
  cost         DECIMAL(10,2)  NOT NULL,
  is_active    TINYINT(1)     NOT NULL DEFAULT 1,
  created_at   DATETIME(3)    NOT NULL,
  updated_at   DATETIME(3)    NOT NULL,
  PRIMARY KEY (product_id),
  UNIQUE KEY uq_products_sku (sku),
  KEY ix_products_updated (updated_at, product_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

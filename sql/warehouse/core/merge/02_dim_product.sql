-- Merge staging.products into core.dim_product (type 1: the latest version of each product wins).
-- DELETE ... USING then INSERT ... SELECT: Redshift has no INSERT ... ON CONFLICT (its MERGE exists but
-- differs from PostgreSQL 15's), and delete + insert inside one transaction is the form both run.
DELETE FROM core.dim_product
USING staging.products s
WHERE core.dim_product.product_id = s.product_id;

INSERT INTO core.dim_product (
  product_id, sku, name, category, brand, price, cost, unit_margin, is_active, created_at, updated_at
)
SELECT p.product_id, TRIM(p.sku), TRIM(p.name), TRIM(p.category), TRIM(p.brand), p.price, p.cost,
       p.price - p.cost, p.is_active = 1, p.created_at, p.updated_at
FROM (
  SELECT s.*, ROW_NUMBER() OVER (PARTITION BY s.product_id ORDER BY s.updated_at DESC) AS version_rank
  FROM staging.products s
) p
WHERE p.version_rank = 1;

-- Merge staging.products into core.dim_product (type 1: the latest version of each product wins).
-- DELETE ... USING then INSERT ... SELECT: Redshift has no INSERT ... ON CONFLICT (its MERGE exists but
-- differs from PostgreSQL 15's), and delete + insert inside one transaction is the form both run.
-- Staging holds one version per key: with several runs pending, keepLatestVersions (lib/warehouse/models.ts)
-- has already dropped all but the latest, so a single full extract is merged without a sort.
DELETE FROM core.dim_product
USING staging.products s
WHERE core.dim_product.product_id = s.product_id;

INSERT INTO core.dim_product (
  product_id, sku, name, category, brand, weight_grams, price, cost, unit_margin, is_active, created_at, updated_at
)
SELECT p.product_id, TRIM(p.sku), TRIM(p.name), TRIM(p.category), TRIM(p.brand), p.weight_grams, p.price, p.cost,
       p.price - p.cost, p.is_active = 1, p.created_at, p.updated_at
FROM staging.products p;

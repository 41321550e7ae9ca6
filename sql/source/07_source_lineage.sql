-- source_lineage: exactly one row naming the current generation of this source database.
-- Regenerating the shop (a pipeline run without --append) replaces it with a new lineage_id; appending keeps it.
-- The lake extract compares it with its own state: a new lineage means a full extract, and the warehouse
-- then replaces its contents instead of mixing old and new shops.
CREATE TABLE IF NOT EXISTS source_lineage (
  lineage_id    VARCHAR(64)      NOT NULL,
  seed          BIGINT UNSIGNED  NOT NULL,
  orders        BIGINT UNSIGNED  NOT NULL,
  generated_at  DATETIME(3)      NOT NULL,
  PRIMARY KEY (lineage_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

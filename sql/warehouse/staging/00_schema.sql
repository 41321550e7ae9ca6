-- staging: raw copies of the lake runs waiting to be merged into core. Replaced on every load.
-- Column names equal the source's; MySQL types map to types PostgreSQL, PGlite and Redshift share
-- (DATETIME -> TIMESTAMPTZ, the lake writes UTC with an explicit +00 offset; VARCHAR -> VARCHAR(n) because
-- Redshift has no unbounded TEXT; TINYINT -> SMALLINT).
-- Widths are bytes for Redshift: free text (a name, a city: the registry's kind 'text') gets 4 bytes per source
-- character, because utf8mb4 takes up to 4 (a Korean syllable 3) and Redshift counts VARCHAR(n) in bytes; ASCII
-- codes keep the source's width, and only they may be CHAR, which Redshift fills with single-byte characters
-- (Redshift Database Developer Guide, "Preparing your input data"). test/tables.test.ts checks both rules.
CREATE SCHEMA IF NOT EXISTS staging;

-- Which lake runs are in staging now (written by the load, consumed by the core merge).
CREATE TABLE IF NOT EXISTS staging.pending_runs (
  table_name   VARCHAR(64)  NOT NULL,
  run_id       VARCHAR(64)  NOT NULL,
  lineage      VARCHAR(64)  NOT NULL,
  kind         VARCHAR(16)  NOT NULL,   -- full | incremental
  record_count BIGINT       NOT NULL,
  PRIMARY KEY (table_name, run_id)
);

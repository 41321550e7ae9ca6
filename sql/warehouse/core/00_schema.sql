-- core: the star schema (dimensions and facts), merged from staging by key.
CREATE SCHEMA IF NOT EXISTS core;

-- Which lake runs have been merged into core (grain: one row per table and run).
-- The warehouse load reads it to pick the runs still to load; the core merge appends to it
-- in the same transaction as the merge, so a failed merge leaves no trace here.
-- loaded_at has no DEFAULT CURRENT_TIMESTAMP: on Redshift that is a leader-node-only function, which fails in the
-- merge's INSERT ... SELECT (docs: c_SQL_functions_leader_node_only.html); the merge binds the time itself.
CREATE TABLE IF NOT EXISTS core.loaded_runs (
  table_name   VARCHAR(64)  NOT NULL,
  run_id       VARCHAR(64)  NOT NULL,
  lineage      VARCHAR(64)  NOT NULL,
  kind         VARCHAR(16)  NOT NULL,
  record_count BIGINT       NOT NULL,
  loaded_at    TIMESTAMPTZ  NOT NULL,
  PRIMARY KEY (table_name, run_id)
);

-- core.test_results: the data tests of the last committed core merge and mart build (grain: stage × model × test).
-- Written inside each build's transaction (lib/quality/warehouse-docs.ts), so it always describes the data that
-- was published; the catalog page (data/out/catalog.html) shows it beside each model's declared tests.
CREATE TABLE IF NOT EXISTS core.test_results (
  stage      VARCHAR(32)    NOT NULL,   -- core merge | mart build
  model      VARCHAR(128)   NOT NULL,
  test       VARCHAR(256)   NOT NULL,
  status     VARCHAR(8)     NOT NULL,   -- pass | fail | skip
  expected   VARCHAR(256),
  actual     VARCHAR(256),
  detail     VARCHAR(4096)  NOT NULL,   -- Redshift counts bytes: 1,000 characters of up to 4 bytes
  tested_at  TIMESTAMPTZ    NOT NULL
);

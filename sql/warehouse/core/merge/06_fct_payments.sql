-- Merge staging.payments into core.fct_payments (type 1: the latest version of each payment wins).
-- method and status are copied as they are, like the status history: their accepted_values tests (06_fct_payments.yml) check them.
-- Staging holds one version per key: with several runs pending, keepLatestVersions (lib/warehouse/models.ts)
-- has already dropped all but the latest, so a single full extract is merged without a sort.
DELETE FROM core.fct_payments
USING staging.payments s
WHERE core.fct_payments.payment_id = s.payment_id;

INSERT INTO core.fct_payments (
  payment_id, order_id, method, status, amount, paid_at, paid_date, created_at, updated_at
)
SELECT p.payment_id, p.order_id, p.method, p.status, p.amount, p.paid_at,
       CAST(p.paid_at AT TIME ZONE 'UTC' AS DATE), p.created_at, p.updated_at
FROM staging.payments p;

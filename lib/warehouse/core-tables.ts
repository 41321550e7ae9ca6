/** Which core table each staged source table becomes, and the key it is merged by. */
import type { SourceTable } from '../lake/format';

export interface CoreTable {
  /** The core table, schema included. */
  table: string;
  /** The source's primary key, also the merge key in core. */
  key: string;
  /** SQL condition that picks one row per source key (dim_customer keeps history: its current rows). */
  current?: string;
}

export const CORE_TABLE_OF: Record<SourceTable, CoreTable> = {
  customers: { table: 'core.dim_customer', key: 'customer_id', current: 'is_current' },
  products: { table: 'core.dim_product', key: 'product_id' },
  orders: { table: 'core.fct_orders', key: 'order_id' },
  order_items: { table: 'core.fct_order_items', key: 'order_item_id' },
  payments: { table: 'core.fct_payments', key: 'payment_id' },
  order_status_history: { table: 'core.fct_order_status_history', key: 'status_history_id' },
};

/** Every core table the models make, dimensions first (what a replace empties and what counts report). */
export const CORE_TABLES = [
  'core.dim_customer', 'core.dim_product', 'core.dim_date',
  'core.fct_orders', 'core.fct_order_items', 'core.fct_payments', 'core.fct_order_status_history',
] as const;
export type CoreTableName = (typeof CORE_TABLES)[number];

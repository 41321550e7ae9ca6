/**
 * The table registry: each source table's columns, key, types, money columns and accepted values, declared
 * ONCE. Every stage reads it: the generated LOAD DATA files and their column order, the source load's column
 * lists, the lake's CSV header, the staging COPY, the core merge keys and the data tests' accepted values.
 * The SQL DDL under sql/source/ and sql/warehouse/staging/ must agree with it (test/tables.test.ts checks that
 * against the real servers), so a column added here and not there fails the suite instead of a load.
 */

/**
 * What a column holds, in the pipeline's words; the DDL chooses each database's type for it, and
 * test/tables.test.ts checks that the type fits the kind:
 * - `id`: a whole number naming a row (INT/BIGINT UNSIGNED in the source, BIGINT in staging)
 * - `integer`: a signed whole number (INT / INTEGER)
 * - `money`: exact decimal with 2 places, never a float (DECIMAL(p,2) / NUMERIC(p,2))
 * - `timestamp`: UTC instant with milliseconds (DATETIME(3) / TIMESTAMPTZ)
 * - `boolean`: 0 or 1 (TINYINT(1) / SMALLINT)
 * - `text`: free text in any script (VARCHAR)
 * - `code`: a short ASCII code, often from a fixed list (VARCHAR / CHAR)
 */
export type ColumnKind = 'id' | 'integer' | 'text' | 'code' | 'money' | 'timestamp' | 'boolean';

export interface ColumnSpec {
  readonly name: string;
  readonly kind: ColumnKind;
  /** NULL allowed (contact details, an unpaid payment's paid_at). */
  readonly nullable?: boolean;
  /** The only values a `code` column may hold: the data tests check them in core. */
  readonly accepted?: readonly string[];
  /** For a foreign key: the source table it points at. */
  readonly references?: SourceTable;
  readonly description: string;
}

export interface SourceTableSpec {
  readonly name: SourceTable;
  /** One row is one … */
  readonly grain: string;
  /** Primary key in the source, the watermark's tie-breaker, the merge key in core. */
  readonly key: string;
  readonly columns: readonly ColumnSpec[];
  /** The money column reconciled source ↔ lake ↔ staging ↔ core (count and sum must match). */
  readonly amount?: string;
  /** The core table it becomes; `current` picks one row per key where core keeps history (SCD2). */
  readonly core: { readonly table: string; readonly current?: string };
}

export const ORDER_STATUSES = ['placed', 'paid', 'shipped', 'delivered', 'cancelled', 'refunded'] as const;
export const PAYMENT_STATUSES = ['captured', 'failed', 'refunded'] as const;
export const PAYMENT_METHODS = ['card', 'bank_transfer', 'wallet', 'gift_card'] as const;
/** How far a parcel travels from the shop's warehouse: sets its fee and the carrier's delivery time. */
export const SHIPPING_ZONES = ['domestic', 'near', 'international', 'far'] as const;
export const SIGNUP_CHANNELS = ['web', 'app', 'marketplace', 'store'] as const;

const audit: readonly ColumnSpec[] = [
  { name: 'created_at', kind: 'timestamp', description: 'When the row was created in the shop (UTC).' },
  { name: 'updated_at', kind: 'timestamp', description: 'When the row last changed (UTC): the extract\'s watermark.' },
];

/** The six source tables, in load order (parents before children). */
export const SOURCE_TABLES = ['customers', 'products', 'orders', 'order_items', 'payments', 'order_status_history'] as const;
export type SourceTable = (typeof SOURCE_TABLES)[number];

export const TABLES: { readonly [T in SourceTable]: SourceTableSpec & { readonly name: T } } = {
  customers: {
    name: 'customers', grain: 'shop customer', key: 'customer_id', core: { table: 'core.dim_customer', current: 'is_current' },
    columns: [
      { name: 'customer_id', kind: 'id', description: 'The customer\'s id in the shop.' },
      { name: 'email', kind: 'text', nullable: true, description: 'Contact e-mail; missing or malformed in dirty data.' },
      { name: 'first_name', kind: 'text', description: 'Given name.' },
      { name: 'last_name', kind: 'text', description: 'Family name.' },
      { name: 'phone', kind: 'text', nullable: true, description: 'Contact phone, free text.' },
      { name: 'city', kind: 'text', nullable: true, description: 'City the customer lives in; changes when they move.' },
      { name: 'region', kind: 'text', description: 'State or province the customer lives in; changes when they move.' },
      { name: 'country', kind: 'code', description: 'ISO 3166-1 alpha-2 country code.' },
      { name: 'signup_channel', kind: 'code', accepted: SIGNUP_CHANNELS, description: 'Where the customer signed up.' },
      ...audit,
    ],
  },
  products: {
    name: 'products', grain: 'product in the catalogue', key: 'product_id', core: { table: 'core.dim_product' },
    columns: [
      { name: 'product_id', kind: 'id', description: 'The product\'s id in the shop.' },
      { name: 'sku', kind: 'text', description: 'Stock keeping unit, unique per product.' },
      { name: 'name', kind: 'text', description: 'Product name as the shop shows it.' },
      { name: 'category', kind: 'text', description: 'Catalogue category.' },
      { name: 'brand', kind: 'text', description: 'Brand or seller.' },
      { name: 'weight_grams', kind: 'integer', description: 'Shipping weight of one unit in grams: the shipping fee is charged on the basket\'s weight.' },
      { name: 'price', kind: 'money', description: 'List price per unit, in the shop\'s currency.' },
      { name: 'cost', kind: 'money', description: 'What one unit costs the shop (for margin).' },
      { name: 'is_active', kind: 'boolean', description: 'Still on sale.' },
      ...audit,
    ],
  },
  orders: {
    name: 'orders', grain: 'order', key: 'order_id', amount: 'total_amount', core: { table: 'core.fct_orders' },
    columns: [
      { name: 'order_id', kind: 'id', description: 'The order\'s id in the shop.' },
      { name: 'customer_id', kind: 'id', references: 'customers', description: 'Who placed the order.' },
      { name: 'status', kind: 'code', accepted: ORDER_STATUSES, description: 'Current state; its history is in order_status_history.' },
      { name: 'ordered_at', kind: 'timestamp', description: 'When the order was placed (UTC).' },
      { name: 'currency', kind: 'code', description: 'ISO 4217 currency of every amount of the order.' },
      { name: 'ship_city', kind: 'text', nullable: true, description: 'City shipped to.' },
      { name: 'ship_region', kind: 'text', description: 'State or province shipped to.' },
      { name: 'ship_country', kind: 'code', description: 'ISO 3166-1 alpha-2 country shipped to.' },
      { name: 'shipping_zone', kind: 'code', accepted: SHIPPING_ZONES, description: 'Carrier zone of the destination (domestic, near, international, far): sets the fee and the delivery time.' },
      { name: 'items_amount', kind: 'money', description: 'Sum of the order\'s line amounts.' },
      { name: 'discount_amount', kind: 'money', description: 'Order-level discount.' },
      { name: 'shipping_amount', kind: 'money', description: 'Shipping fee charged: by zone and basket weight, free at home above a threshold.' },
      { name: 'total_amount', kind: 'money', description: 'What the customer pays: items_amount - discount_amount + shipping_amount.' },
      ...audit,
    ],
  },
  order_items: {
    name: 'order_items', grain: 'product line in an order', key: 'order_item_id', amount: 'line_amount', core: { table: 'core.fct_order_items' },
    columns: [
      { name: 'order_item_id', kind: 'id', description: 'The line\'s id in the shop.' },
      { name: 'order_id', kind: 'id', references: 'orders', description: 'The order the line belongs to.' },
      { name: 'product_id', kind: 'id', references: 'products', description: 'The product bought.' },
      { name: 'quantity', kind: 'integer', description: 'Units bought (signed: dirty data may hold negatives).' },
      { name: 'unit_price', kind: 'money', description: 'Price per unit at the time of the order.' },
      { name: 'discount_amount', kind: 'money', description: 'Discount on this line.' },
      { name: 'line_amount', kind: 'money', description: 'quantity * unit_price - discount_amount.' },
      ...audit,
    ],
  },
  payments: {
    name: 'payments', grain: 'payment attempt or refund', key: 'payment_id', amount: 'amount', core: { table: 'core.fct_payments' },
    columns: [
      { name: 'payment_id', kind: 'id', description: 'The payment\'s id in the shop.' },
      { name: 'order_id', kind: 'id', references: 'orders', description: 'The order paid (or refunded).' },
      { name: 'method', kind: 'code', accepted: PAYMENT_METHODS, description: 'How it was paid.' },
      { name: 'status', kind: 'code', accepted: PAYMENT_STATUSES, description: 'captured, failed, or refunded (a refund is its own row).' },
      { name: 'amount', kind: 'money', description: 'Amount captured, attempted or refunded.' },
      { name: 'paid_at', kind: 'timestamp', nullable: true, description: 'When the money moved; NULL for a failed attempt.' },
      ...audit,
    ],
  },
  order_status_history: {
    name: 'order_status_history', grain: 'status change of an order', key: 'status_history_id', core: { table: 'core.fct_order_status_history' },
    columns: [
      { name: 'status_history_id', kind: 'id', description: 'The change\'s id in the shop.' },
      { name: 'order_id', kind: 'id', references: 'orders', description: 'The order whose status changed.' },
      { name: 'status', kind: 'code', accepted: ORDER_STATUSES, description: 'The status the order moved to.' },
      { name: 'changed_at', kind: 'timestamp', description: 'When it moved (UTC).' },
      ...audit,
    ],
  },
};

/** A table's column names in registry (= DDL, file and CSV) order. */
export const columnNames = (table: SourceTable): string[] => TABLES[table].columns.map((c) => c.name);

/** Kinds whose values are numbers in every file and database (ids, counts, money, 0/1 flags). */
export const NUMERIC_KINDS: ReadonlySet<ColumnKind> = new Set<ColumnKind>(['id', 'integer', 'money', 'boolean']);

/** One column of a table; throws when the registry has no such column (a typo in code, found at load time). */
export function columnOf(table: SourceTable, name: string): ColumnSpec {
  const column = TABLES[table].columns.find((c) => c.name === name);
  if (!column) throw new Error(`The table registry (lib/core/tables.ts) has no column ${table}.${name}.`);
  return column;
}

/** Every core table the models make, dimensions first (what a replace empties and what counts report). */
export const CORE_TABLES = [
  'core.dim_customer', 'core.dim_product', 'core.dim_date',
  'core.fct_orders', 'core.fct_order_items', 'core.fct_payments', 'core.fct_order_status_history',
] as const;
export type CoreTableName = (typeof CORE_TABLES)[number];

/** Which core table each staged source table becomes, and the key it is merged by (read from core/tables.ts). */
import { SOURCE_TABLES, TABLES, type SourceTable } from '../core/tables';

export interface CoreTable {
  /** The core table, schema included. */
  table: string;
  /** The source's primary key, also the merge key in core. */
  key: string;
  /** SQL condition that picks one row per source key (dim_customer keeps history: its current rows). */
  current?: string;
}

export const CORE_TABLE_OF = Object.fromEntries(SOURCE_TABLES.map((t) => [t, { table: TABLES[t].core.table, key: TABLES[t].key, current: TABLES[t].core.current }])) as Record<SourceTable, CoreTable>;

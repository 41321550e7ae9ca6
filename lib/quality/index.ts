/**
 * Data tests and reconciliations: the checks declared in sql/**\/NAME.yml, which the warehouse merge and the mart
 * build must pass before they commit, and the descriptions they write into the warehouse.
 */
export * from './checks';
export * from './declared-models';
export * from './data-tests';
export * from './warehouse-docs';

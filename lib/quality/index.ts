/** Data tests and reconciliations: the checks the warehouse merge and the mart build must pass before they commit. */
export * from './checks';

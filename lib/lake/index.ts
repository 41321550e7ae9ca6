/** Step 3, lake: the S3 data lake: connection, object layout, the extract, parts and manifests, and reading runs back. */
export * from './connection';
export * from './format';
export * from './csv';
export * from './extract';
export * from './feed';
export * from './parts';
export * from './read';

/** The workbook's exercises: each check compares a learner's answer with a truth it computes itself, on planted edge cases too. */
export * from './check';
export * from './spec';
export * from './nb01-generate';
export * from './nb02-source';
export * from './nb03-transform';
export * from './nb04-lake';
export * from './nb05-warehouse';
export * from './nb06-mart';
export * from './nb07-dashboard';
export * from './nb08-explore';

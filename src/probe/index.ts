export * from './statistics.ts';
export * from './t-distribution.ts';
export * from './linear-regression.ts';
export * from './relative-size-table.ts';
export * from './method-selection.ts';
export * from './probe-estimate.ts';
export * from './estimation-accuracy.ts';
export * from './history-file.ts';

/** The gateway seam (types.ts) and its REST implementation. */
export type * from './types.js';
export * from './rest/index.js';

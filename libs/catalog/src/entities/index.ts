import { Plan } from './plan.entity.js';

export * from './plan.entity.js';

/** The tables the catalog owns. */
export const CATALOG_ENTITIES = [Plan];

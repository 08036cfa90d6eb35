import { InitialSchema1795394350495 } from './1795394350495-InitialSchema.js';

/** Every migration, oldest first. A new migration is generated with `npm run migration:generate -- <Name>` and added here. */
export const MIGRATIONS = [InitialSchema1795394350495];

/** What the catalog says is wrong with a field; the words are the storefront's texts. */
import type { UpgradeRefusalCode } from './templates/upgrade-paths.js';

export type CatalogProblemCode = 'app.unknown' | 'version.unknown' | 'plan.not_orderable' | UpgradeRefusalCode;

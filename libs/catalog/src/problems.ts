/** What the catalog says is wrong with a field; the words are the storefront's texts. */
export type CatalogProblemCode = 'app.unknown' | 'version.unknown' | 'plan.not_orderable';

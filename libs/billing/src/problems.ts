/** What billing says is wrong with a field; the words are the storefront's texts. */
export type BillingProblemCode = 'order.state' | 'order.provider';

/** What billing says is wrong with a field; the words are the storefront's texts. */
export type BillingProblemCode =
  | 'order.state'
  | 'order.provider'
  // a club's plan change (its dashboard): the plan it chose is its own, has other apps, or is billed otherwise
  | 'plan.change_same'
  | 'plan.change_apps'
  | 'plan.change_billing';

// The storefront: every page people see (order form, order status, invitations), their assets
// and texts, and the letters written from those texts.
export * from './letters/letters.js';
export * from './storefront.module.js';
export * from './texts/en.js';
export * from './texts/problem-words.js';

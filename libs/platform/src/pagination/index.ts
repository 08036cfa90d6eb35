export * from './cursor.js';
export * from './page-headers.js';

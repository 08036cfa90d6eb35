// Domain errors and problem codes without framework code: importable by pure libraries (the runtime's plan code).
export * from './domain-error.js';
export * from './problem.js';
export * from './unavailable.js';

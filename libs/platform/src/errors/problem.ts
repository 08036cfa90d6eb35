/**
 * What is wrong with one field: a stable code (each library types its own codes) and the values
 * its words need. Services say problems only as codes; the words are the storefront's texts,
 * in the page's language for people and in English for the API.
 */
export interface FieldProblem {
  readonly code: string;
  readonly params?: Readonly<Record<string, string | number>>;
}

export type FieldProblems = Readonly<Record<string, FieldProblem>>;

/** Turns a problem into words (see the storefront's texts). */
export type ProblemWords = (problem: FieldProblem) => string;

/**
 * Request validation (class-validator on the API's DTOs) refused a value: the DTO's own message
 * is the detail. Pages never show these; their forms have texts of their own.
 */
export const INPUT_INVALID = 'input.invalid';

export function inputProblem(detail: string): FieldProblem {
  return { code: INPUT_INVALID, params: { detail } };
}

/** Many detailed input problems at once (operator or program input, not a person's form). */
export function inputProblems(details: Readonly<Record<string, string>>): Record<string, FieldProblem> {
  return Object.fromEntries(Object.entries(details).map(([field, detail]) => [field, inputProblem(detail)]));
}

/** The platform's own problems (request input refused before any library saw it). */
export type PlatformProblemCode = typeof INPUT_INVALID | 'input.required' | 'input.uuid' | 'page.cursor' | 'page.limit';

export const problem = <Code extends string>(code: Code, params?: Record<string, string | number>): FieldProblem => (params ? { code, params } : { code });

/** Words for problems that have none: the code itself, with its values. */
export const wordsOfCode: ProblemWords = (p) => (p.code === INPUT_INVALID ? String(p.params?.detail ?? 'is invalid') : p.code);

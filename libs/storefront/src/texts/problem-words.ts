import type { FieldProblem, ProblemWords } from '#platform';
import { format } from '../web/html.js';
import type { ProblemCode, Texts } from './en.js';

/** Says a problem in the texts' language; an unknown code is shown as it is (never silently dropped). */
export function problemWords(texts: Texts): ProblemWords {
  return (problem: FieldProblem) => {
    const words = (texts.problems as Record<string, string>)[problem.code as ProblemCode];
    return words === undefined ? problem.code : format(words, Object.fromEntries(Object.entries(problem.params ?? {}).map(([key, value]) => [key, String(value)])));
  };
}

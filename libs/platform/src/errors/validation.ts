import { ValidationError } from 'class-validator';
import { ValidationFailedError } from './domain-error.js';
import { type FieldProblem, inputProblem } from './problem.js';

/** Flattens class-validator's tree into `path -> message`, e.g. `domains[0].name`. */
export function flattenValidationErrors(errors: ValidationError[], prefix = ''): Record<string, FieldProblem> {
  const fields: Record<string, FieldProblem> = {};
  for (const error of errors) {
    const path = /^\d+$/.test(error.property) ? `${prefix}[${error.property}]` : prefix ? `${prefix}.${error.property}` : error.property;
    if (error.constraints) {
      // whitelist errors read "property x should not exist"; say it plainly
      const messages = Object.entries(error.constraints).map(([rule, message]) =>
        rule === 'whitelistValidation' ? 'is not a known field' : message.replace(new RegExp(`^${escapeRegExp(error.property)} `), ''),
      );
      fields[path] = inputProblem(messages.join(', '));
    }
    if (error.children?.length) Object.assign(fields, flattenValidationErrors(error.children, path));
  }
  return fields;
}

export function validationErrorFactory(errors: ValidationError[]): ValidationFailedError {
  return new ValidationFailedError(flattenValidationErrors(errors));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

import { registerDecorator, ValidationOptions } from 'class-validator';

/**
 * Rules for what people type that later reaches the apps (a club's name becomes the
 * WordPress site title, the contact email the admin's address). Checked when entered,
 * so a value that an app would refuse never gets as far as a deployment.
 */

/** An address WordPress (is_email) and Mastodon both accept; never starts with "-" (no option look-alikes). */
const PLAIN_EMAIL = /^[A-Za-z0-9_%+][A-Za-z0-9_%+-]*(\.[A-Za-z0-9_%+-]+)*@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+([A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})$/;
/** Control characters, line/paragraph separators, bidi controls (text that displays reordered), lone surrogates. */
const UNSAFE_TEXT = /[\p{Cc}\p{Zl}\p{Zp}\p{Cs}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

export function emailProblem(value: string): string | undefined {
  const fits = value.length <= 254 && PLAIN_EMAIL.test(value) && value.split('@')[0].length <= 64;
  return fits ? undefined : 'must be a plain ASCII email address such as name@example.org';
}

/** Free text such as a club's name: any script, but one line, no invisible direction tricks. */
export function freeTextProblem(value: string, maxLength = 100): string | undefined {
  if (!/\S/u.test(value)) return 'must not be empty';
  if ([...value].length > maxLength) return `must be at most ${maxLength} characters`;
  if (UNSAFE_TEXT.test(value)) return 'must be a single line without control or text-direction characters';
  return undefined;
}

/** Web addresses and domain names: a club's name goes into mails, and must not carry a link there. */
const LINK = /:\/\/|\bwww\.|\b[a-z0-9-]+\.[a-z]{2,}\/|\b[a-z0-9-]+(\.[a-z0-9-]+)*\.(com|net|org|info|biz|io|co|app|dev|xyz|de|at|ch|eu|uk|fr|nl|be|it|es|pl|ru|cn|example|test|local|localhost)\b/i;

/** A name people see in pages and mails (a club's, a person's): free text without links. */
export function nameProblem(value: string, maxLength = 100): string | undefined {
  return freeTextProblem(value, maxLength) ?? (LINK.test(value) ? 'must not contain a web address or a domain name' : undefined);
}

function ruleDecorator(name: string, problem: (value: string) => string | undefined, options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name,
      target: target.constructor,
      propertyName,
      options,
      validator: {
        validate: (value: unknown) => typeof value === 'string' && problem(value) === undefined,
        defaultMessage: (args) => (typeof args?.value === 'string' ? problem(args.value) : undefined) ?? 'must be a string',
      },
    });
}

export const IsPlainEmail = (options?: ValidationOptions) => ruleDecorator('isPlainEmail', emailProblem, options);
export const IsSingleLineText = (maxLength = 100, options?: ValidationOptions) => ruleDecorator('isSingleLineText', (value) => freeTextProblem(value, maxLength), options);
/** Text without web addresses or domain names (other rules check the rest). */
export const IsWithoutLinks = (options?: ValidationOptions) => ruleDecorator('isWithoutLinks', (value) => (LINK.test(value) ? 'must not contain a web address or a domain name' : undefined), options);
/** A name (one line, no links), e.g. a club's name. */
export const IsName = (maxLength = 100, options?: ValidationOptions) => ruleDecorator('isName', (value) => nameProblem(value, maxLength), options);

import { plainToInstance } from 'class-transformer';
import { Equals, IsIn, IsNotEmpty, IsString, Length, MaxLength, validateSync, ValidateIf } from 'class-validator';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '#identity';
import { IsPlainEmail, IsSingleLineText, IsWithoutLinks } from '#platform';
import type { OrderRequest } from '#billing';
import type { Texts } from '../texts/en.js';

/** The order form as posted. Messages are keys of texts.errors, so the page can show them in its language. */
export class OrderForm {
  @IsString({ message: 'plan' }) @Length(1, 40, { message: 'plan' })
  plan: string;

  // the apps get the name as site title and the address as their admin's: the same rules as
  // the deployment applies, checked now, before anything is created or charged
  @IsString({ message: 'clubName' }) @Length(2, 100, { message: 'clubName' })
  @IsSingleLineText(1000, { message: 'clubNameCharacters' }) // the length has its own rule and message above
  @IsWithoutLinks({ message: 'clubNameLink' }) // the name goes into mails: no links in it
  clubName: string;

  @IsString({ message: 'contactEmail' }) @IsPlainEmail({ message: 'contactEmail' })
  contactEmail: string;

  /** Only for a new account: someone logged in orders as themselves. */
  @ValidateIf((form: OrderForm) => !form.loggedIn)
  @IsString({ message: 'password' }) @Length(PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH, { message: 'password' })
  password: string;

  loggedIn: boolean;

  @IsIn(['subdomain', 'custom'], { message: 'addressKind' })
  addressKind: 'subdomain' | 'custom';

  @ValidateIf((form: OrderForm) => form.addressKind !== 'custom')
  @IsString({ message: 'subdomain' }) @IsNotEmpty({ message: 'subdomain' }) @MaxLength(63, { message: 'subdomain' })
  subdomain?: string;

  @ValidateIf((form: OrderForm) => form.addressKind === 'custom')
  @IsString({ message: 'customDomain' }) @IsNotEmpty({ message: 'customDomain' }) @MaxLength(253, { message: 'customDomain' })
  customDomain?: string;

  @Equals('yes', { message: 'acceptTerms' })
  acceptTerms: string;

  @Equals('yes', { message: 'acceptDpa' })
  acceptDpa: string;
}

export const ORDER_FIELDS = ['plan', 'clubName', 'contactEmail', 'password', 'addressKind', 'subdomain', 'customDomain', 'acceptTerms', 'acceptDpa'] as const;
export type OrderField = (typeof ORDER_FIELDS)[number];

/** What the person typed, for showing the form again (never the password). */
export type OrderFormValues = Partial<Record<Exclude<OrderField, 'password'>, string>>;

export type FieldErrors = Partial<Record<OrderField, string>>;

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** Reads the posted body: trims, validates every field, and returns either the request or a message per field. */
export function readOrderForm(
  body: Record<string, unknown>,
  texts: Texts,
  /** The logged-in account that orders (another club, or another plan), if any. */
  ownerAccountId?: string,
): { values: OrderFormValues; request?: OrderRequest; errors: FieldErrors } {
  const values: OrderFormValues = {
    plan: text(body.plan)?.trim(),
    clubName: text(body.clubName)?.trim().replace(/\s+/g, ' '),
    contactEmail: text(body.contactEmail)?.trim().toLowerCase(),
    addressKind: text(body.addressKind) ?? (text(body.customDomain)?.trim() && !text(body.subdomain)?.trim() ? 'custom' : 'subdomain'),
    subdomain: text(body.subdomain)?.trim().toLowerCase(),
    customDomain: text(body.customDomain)?.trim(),
    acceptTerms: text(body.acceptTerms),
    acceptDpa: text(body.acceptDpa),
  };
  const form = plainToInstance(OrderForm, { ...values, password: ownerAccountId ? undefined : body.password, loggedIn: Boolean(ownerAccountId) });
  const errors: FieldErrors = {};
  for (const error of validateSync(form)) {
    const key = Object.values(error.constraints ?? {})[0] as keyof Texts['errors'];
    errors[error.property as OrderField] ??= texts.errors[key] ?? texts.errors.fieldProblem;
  }
  if (Object.keys(errors).length > 0) return { values, errors };
  return {
    values,
    errors,
    request: {
      plan: form.plan,
      clubName: form.clubName,
      contactEmail: form.contactEmail,
      ...(ownerAccountId ? { ownerAccountId, password: '' } : { password: form.password }),
      locale: texts.locale === 'de' ? 'de' : 'en',
      ...(form.addressKind === 'custom' ? { customDomain: form.customDomain } : { subdomain: form.subdomain }),
    },
  };
}

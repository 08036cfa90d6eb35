import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { ConfigurationError } from '#platform';

/** What a plan includes, said on the order form and the dashboard (all optional: unsaid is unlimited or not promised). */
export interface PlanIncludes {
  /** Storage for the club's data, in GB. */
  storageGb?: number;
  /** Accounts the club may create in its apps. */
  members?: number;
  /** Daily backups, kept this many days. */
  backupDays?: number;
}

/** A plan's words in another language than English. */
export type PlanTranslations = Record<string, { name: string; description: string }>;

export interface PlanDefinition {
  code: string;
  /** English; other languages in `translations`. */
  name: string;
  description: string;
  translations: PlanTranslations;
  apps: string[];
  includes: PlanIncludes;
  price: { amount: number; currency: string; interval: 'month' | 'year'; vatIncluded: boolean };
  stripePrice?: string;
}

/** A text given once (English) or per language ({ en: ..., de: ... }, English required). */
const localisedText = (maxLength: number, minLength = 0) => ({
  oneOf: [
    { type: 'string', minLength, maxLength },
    {
      type: 'object',
      additionalProperties: false,
      required: ['en'],
      properties: { en: { type: 'string', minLength, maxLength }, de: { type: 'string', minLength, maxLength } },
    },
  ],
});

const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['plans'],
  properties: {
    plans: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['code', 'name', 'apps', 'price'],
        properties: {
          code: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,39}$' },
          name: localisedText(100, 1),
          description: localisedText(500),
          includes: {
            type: 'object',
            additionalProperties: false,
            properties: {
              storageGb: { type: 'integer', minimum: 1, maximum: 100_000 },
              members: { type: 'integer', minimum: 1, maximum: 1_000_000 },
              backupDays: { type: 'integer', minimum: 1, maximum: 3650 },
            },
          },
          apps: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,31}$' } },
          price: {
            type: 'object',
            additionalProperties: false,
            required: ['amount', 'currency', 'interval'],
            properties: {
              amount: { type: 'integer', minimum: 0, maximum: 10_000_000 },
              currency: { type: 'string', pattern: '^[A-Z]{3}$' },
              interval: { enum: ['month', 'year'] },
              vatIncluded: { type: 'boolean' },
            },
          },
          stripePrice: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,255}$' },
        },
      },
    },
  },
} as const;

const validate = new Ajv({ allErrors: false }).compile(schema);

/** Reads and validates the plans file; an error names the file and the field. */
export function loadPlansFile(file: string): PlanDefinition[] {
  let document: unknown;
  try {
    document = parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigurationError(`plans file ${file}: ${(error as Error).message.split('\n')[0]}`);
  }
  if (!validate(document)) {
    const [first] = validate.errors ?? [];
    throw new ConfigurationError(`plans file ${file}: ${first?.instancePath || '/'} ${first?.message ?? 'is invalid'}`);
  }
  const written = (document as { plans: WrittenPlan[] }).plans;
  const codes = new Set<string>();
  for (const [index, plan] of written.entries()) {
    if (codes.has(plan.code)) throw new ConfigurationError(`plans file ${file}: /plans/${index}/code "${plan.code}" appears twice`);
    codes.add(plan.code);
  }
  return written.map(definitionOf);
}

type LocalisedText = string | { en: string; de?: string };
interface WrittenPlan extends Omit<PlanDefinition, 'name' | 'description' | 'translations' | 'includes' | 'price'> {
  name: LocalisedText;
  description?: LocalisedText;
  includes?: PlanIncludes;
  price: { amount: number; currency: string; interval: 'month' | 'year'; vatIncluded?: boolean };
}

function definitionOf(plan: WrittenPlan): PlanDefinition {
  const inLanguage = (text: LocalisedText | undefined, locale: 'en' | 'de') => (typeof text === 'object' ? text[locale] : locale === 'en' ? text : undefined);
  const name = inLanguage(plan.name, 'en')!;
  const description = inLanguage(plan.description, 'en') ?? '';
  const translations: PlanTranslations = {};
  const germanName = inLanguage(plan.name, 'de');
  const germanDescription = inLanguage(plan.description, 'de');
  if (germanName || germanDescription) translations.de = { name: germanName ?? name, description: germanDescription ?? description };
  return {
    ...plan,
    name,
    description,
    translations,
    includes: plan.includes ?? {},
    // prices for clubs are usually stated with VAT; a plan says otherwise explicitly
    price: { ...plan.price, vatIncluded: plan.price.vatIncluded ?? true },
  };
}

import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { ConfigurationError } from '#platform';

export interface PlanDefinition {
  code: string;
  name: string;
  description: string;
  apps: string[];
  price: { amount: number; currency: string; interval: 'month' | 'year' };
  stripePrice?: string;
}

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
          name: { type: 'string', minLength: 1, maxLength: 100 },
          description: { type: 'string', maxLength: 500 },
          apps: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,31}$' } },
          price: {
            type: 'object',
            additionalProperties: false,
            required: ['amount', 'currency', 'interval'],
            properties: {
              amount: { type: 'integer', minimum: 0, maximum: 10_000_000 },
              currency: { type: 'string', pattern: '^[A-Z]{3}$' },
              interval: { enum: ['month', 'year'] },
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
  const plans = (document as { plans: PlanDefinition[] }).plans;
  const codes = new Set<string>();
  for (const [index, plan] of plans.entries()) {
    if (codes.has(plan.code)) throw new ConfigurationError(`plans file ${file}: /plans/${index}/code "${plan.code}" appears twice`);
    codes.add(plan.code);
    plan.description ??= '';
  }
  return plans;
}

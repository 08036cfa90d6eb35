import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Not, Repository } from 'typeorm';
import { Plan } from '../entities/index.js';
import { AppConfig, ConfigurationError, NotFoundError } from '#platform';
import { TemplateCatalog } from '../templates/template-catalog.js';
import { loadPlansFile } from './plans-file.js';

@Injectable()
export class PlansService {
  private readonly logger = new Logger(PlansService.name);

  constructor(
    @InjectRepository(Plan) private readonly plans: Repository<Plan>,
    private readonly config: AppConfig,
    private readonly templates: TemplateCatalog,
  ) {}

  /**
   * Makes the table match the plans file: upsert by code, retire plans that left the file.
   * Every app a plan lists must have a template (by default: the loaded catalog's apps).
   */
  async syncFromConfiguration(knownApps: ReadonlySet<string> = this.templates.appIds()): Promise<void> {
    const file = this.config.catalog.plansFile;
    const definitions = loadPlansFile(file);
    for (const [index, plan] of definitions.entries()) {
      const unknown = plan.apps.filter((app) => !knownApps.has(app));
      if (unknown.length) {
        throw new ConfigurationError(
          `plans file ${file}: /plans/${index}/apps names app(s) without a template: ${unknown.join(', ')} (known: ${[...knownApps].join(', ')})`,
        );
      }
    }
    await this.plans.manager.transaction(async (manager) => {
      for (const plan of definitions) {
        await manager.upsert(
          Plan,
          {
            code: plan.code,
            name: plan.name,
            description: plan.description,
            translations: plan.translations,
            includes: plan.includes,
            vatIncluded: plan.price.vatIncluded,
            apps: plan.apps,
            priceCents: plan.price.amount,
            currency: plan.price.currency,
            interval: plan.price.interval,
            stripePrice: plan.stripePrice ?? null,
            orderable: true,
          },
          ['code'],
        );
      }
      await manager.update(Plan, { code: Not(In(definitions.map((p) => p.code))) }, { orderable: false });
    });
    this.logger.log(`plans: ${definitions.map((p) => p.code).join(', ')}`);
  }

  /** The plans the order form offers: orderable, and without an app the cooperative withholds (Mastodon unless enabled). */
  async listOffered(): Promise<Plan[]> {
    const withheld = new Set(this.config.catalog.withheldApps);
    return (await this.listOrderable()).filter((plan) => !plan.apps.some((app) => withheld.has(app)));
  }

  listOrderable(): Promise<Plan[]> {
    return this.plans.find({ where: { orderable: true }, order: { priceCents: 'ASC' } });
  }

  async getById(id: string): Promise<Plan> {
    const plan = await this.plans.findOne({ where: { id } });
    if (!plan) throw new NotFoundError('Plan', id);
    return plan;
  }

  /** Plans by id, for lists that show each item's plan. */
  async byIds(ids: readonly string[]): Promise<Map<string, Plan>> {
    if (ids.length === 0) return new Map();
    const plans = await this.plans.find({ where: { id: In([...new Set(ids)]) } });
    return new Map(plans.map((plan) => [plan.id, plan]));
  }

  async getByCode(code: string): Promise<Plan> {
    const plan = await this.plans.findOne({ where: { code } });
    if (!plan) throw new NotFoundError('Plan', code);
    return plan;
  }
}

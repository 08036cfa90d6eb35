import { Injectable, Logger } from '@nestjs/common';
import { AppConfig, NotFoundError, problem, ValidationFailedError } from '#platform';
import type { CatalogProblemCode } from '../problems.js';
import type { AppTemplate } from './app-template.js';
import { loadTemplates } from './load-template.js';

/**
 * The app templates, loaded once when the process starts: a broken manifest stops the
 * start with a ConfigurationError naming the file and the field.
 */
@Injectable()
export class TemplateCatalog {
  private readonly logger = new Logger(TemplateCatalog.name);
  private readonly templates: ReadonlyMap<string, AppTemplate>;

  constructor(config: AppConfig) {
    this.templates = loadTemplates(config.catalog.templatesDir);
    this.logger.log(`templates: ${this.apps().map((t) => `${t.app} ${t.versions.map((v) => v.version).join('/')}`).join(', ') || '(none)'}`);
  }

  apps(): AppTemplate[] {
    return [...this.templates.values()];
  }

  appIds(): ReadonlySet<string> {
    return new Set(this.templates.keys());
  }

  get(app: string): AppTemplate {
    const template = this.templates.get(app);
    if (!template) throw new NotFoundError('App', shorten(app));
    return template;
  }

  /** The version to deploy: the one asked for, or the template's default. */
  resolveVersion(app: string, version?: string): string {
    const template = this.templates.get(app);
    if (!template) throw ValidationFailedError.field('app', problem<CatalogProblemCode>('app.unknown', { app: shorten(app), known: [...this.templates.keys()].join(', ') }));
    if (version === undefined) return template.defaultVersion;
    if (!template.versions.some((candidate) => candidate.version === version)) {
      throw ValidationFailedError.field('version', problem<CatalogProblemCode>('version.unknown', { app, version: shorten(version), offered: template.versions.map((v) => v.version).join(', ') }));
    }
    return version;
  }
}

function shorten(value: unknown): string {
  const text = String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

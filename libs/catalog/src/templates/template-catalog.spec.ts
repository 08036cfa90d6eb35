import { resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import { AppConfig, ConfigurationError, DomainError, NotFoundError, ValidationFailedError } from '#platform';
import { PlansService } from '../plans/plans.service.js';
import { CatalogController } from './catalog.controller.js';
import { TemplateCatalog } from './template-catalog.js';

const config = (templatesDir: string, plansFile = resolve(process.cwd(), 'templates/plans.yaml')) =>
  ({ catalog: { templatesDir, plansFile, imageOverrides: {} } }) as unknown as AppConfig;

function fieldsOf(action: () => unknown): Record<string, unknown> | undefined {
  try {
    action();
  } catch (error) {
    if (error instanceof DomainError) return { kind: error.kind, ...error.fields };
    throw error;
  }
  throw new Error('expected a domain error');
}

Logger.overrideLogger(false); // the catalog logs what it loaded

describe('TemplateCatalog', () => {
  const catalog = new TemplateCatalog(config(resolve(process.cwd(), 'templates')));

  it('offers the shipped apps', () => {
    expect(catalog.apps().map((t) => t.app)).toEqual(['mastodon', 'prosody', 'wordpress']);
    expect([...catalog.appIds()]).toEqual(['mastodon', 'prosody', 'wordpress']);
    expect(catalog.get('prosody').name).toBe('Chat (XMPP)');
  });

  it('resolves the default version, or the one asked for', () => {
    expect(catalog.resolveVersion('mastodon')).toBe('4.3');
    expect(catalog.resolveVersion('wordpress', '6.1')).toBe('6.1');
  });

  it('answers unknown apps and versions with domain errors (HTTP 4xx), naming the field', () => {
    expect(() => catalog.get('jitsi')).toThrow(NotFoundError);
    expect(fieldsOf(() => catalog.resolveVersion('jitsi'))).toMatchObject({ kind: 'validation', app: { code: 'app.unknown', params: { app: 'jitsi' } } });
    expect(fieldsOf(() => catalog.resolveVersion('mastodon', '3.5'))).toEqual({
      kind: 'validation',
      version: { code: 'version.unknown', params: { app: 'mastodon', version: '3.5', offered: '4.3, 4.4' } },
    });
    expect(() => catalog.resolveVersion('mastodon', 'x'.repeat(10_000))).toThrow(ValidationFailedError);
  });

  it('fails at construction when the templates folder is missing (fail fast at boot)', () => {
    expect(() => new TemplateCatalog(config('/nonexistent/allmende-templates'))).toThrow(ConfigurationError);
  });

  it('is listed publicly without images, commands or secrets', () => {
    const listed = new CatalogController(catalog).list();
    expect(listed).toContainEqual({
      app: 'prosody',
      name: 'Chat (XMPP)',
      description: expect.any(String),
      versions: ['0.12', '13.0'],
      defaultVersion: '0.12',
    });
    expect(JSON.stringify(listed)).not.toMatch(/allmende\/|ghcr\.io|secret/);
  });
});

describe('PlansService.syncFromConfiguration', () => {
  it('refuses a plans file listing an app without a template, before touching the database', async () => {
    const catalog = new TemplateCatalog(config(resolve(process.cwd(), 'templates')));
    const untouchable = new Proxy({}, { get: () => { throw new Error('database touched'); } });
    const plans = new PlansService(untouchable as never, config(resolve(process.cwd(), 'templates')), catalog);
    await expect(plans.syncFromConfiguration(new Set(['prosody']))).rejects.toThrow(
      /\/plans\/1\/apps names app\(s\) without a template: wordpress \(known: prosody\)/,
    );
    await expect(plans.syncFromConfiguration(new Set(['prosody']))).rejects.toThrow(ConfigurationError);
  });
});

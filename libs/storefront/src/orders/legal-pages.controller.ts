import { Controller, Get, Res } from '@nestjs/common';
import type { Response } from 'express';
import { AppConfig } from '#platform';
import { fill, html } from '../web/html.js';
import { layout, sendHtml } from '../web/layout.js';
import { Page } from '../web/page.js';
import { pageTexts } from '../web/page-context.js';

/**
 * The terms and the data processing agreement the order form links to, so the links always
 * work. A cooperative with its own texts links them instead (ALLMENDE_TERMS_URL / ALLMENDE_DPA_URL).
 */
@Controller('legal')
export class LegalPagesController {
  constructor(private readonly config: AppConfig) {}

  @Page()
  @Get('terms')
  terms(@Res() response: Response): void {
    this.send(response, 'terms', this.config.billing.terms.version);
  }

  @Page()
  @Get('dpa')
  dpa(@Res() response: Response): void {
    this.send(response, 'dpa', this.config.billing.dpa.version);
  }

  private send(response: Response, which: 'terms' | 'dpa', version: string): void {
    const texts = pageTexts();
    const t = texts.legal[which];
    sendHtml(
      response,
      200,
      layout(texts, t.title, html`<h1>${t.title}</h1>
<p class="note">${fill(texts.legal.version, { version })}</p>
${t.paragraphs.map((paragraph) => html`<p>${paragraph}</p>`)}`),
    );
  }
}

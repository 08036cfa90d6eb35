import request from 'supertest';
import type { NestExpressApplication } from '@nestjs/platform-express';

type Agent = ReturnType<typeof request.agent>;

/** The form token of a page (every logged-in page has at least the logout form). */
export function formTokenIn(html: string): string {
  const match = /name="_csrf" value="([A-Za-z0-9_-]{43})"/.exec(html);
  if (!match) throw new Error('no form token on the page');
  return match[1];
}

/**
 * A browser's view of the pages: a cookie jar, and the form token of the last page that had a
 * form. `login` goes through the real login form.
 */
export class WebClient {
  csrf = '';

  private constructor(readonly agent: Agent) {}

  static anonymous(app: NestExpressApplication): WebClient {
    return new WebClient(request.agent(app.getHttpServer()));
  }

  static async login(app: NestExpressApplication, email: string, password: string, options: { language?: string } = {}): Promise<WebClient> {
    const client = WebClient.anonymous(app);
    if (options.language) await client.agent.get(`/language/${options.language}`).expect(303);
    await client.open('/login');
    const response = await client.post('/login', { email, password });
    if (response.status !== 303) throw new Error(`login of ${email} failed: ${response.status} ${response.text.slice(0, 300)}`);
    await client.open('/');
    return client;
  }

  /** GETs a page and keeps its form token. */
  async open(path: string, expectStatus = 200): Promise<request.Response> {
    const response = await this.agent.get(path).expect(expectStatus);
    const match = /name="_csrf" value="([A-Za-z0-9_-]{43})"/.exec(response.text);
    if (match) this.csrf = match[1];
    return response;
  }

  /** Posts a form with the token of the last page opened. */
  post(path: string, fields: Record<string, string> = {}): request.Test {
    return this.agent.post(path).type('form').send({ ...fields, _csrf: this.csrf });
  }
}

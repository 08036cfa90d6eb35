import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { Request, Response } from 'express';
import { NotFoundError } from '#platform';
import { currentPage } from '../web/page-context.js';
import { WebSessions } from '../web/web-sessions.js';
import { ClubDashboards } from './club-dashboard.js';
import { LIVE_SECTIONS, type LiveSection, liveHash, liveSections } from './club-pages.js';

/** How often the database is read for changes, per open dashboard. */
const POLL_MS = 1500;
/** A comment now and then, so proxies keep the connection open. */
const HEARTBEAT_MS = 15_000;
/** How often the session is checked again (logged out elsewhere, membership ended): every this many polls. */
const SESSION_CHECK_POLLS = 20;
/** A stream ends after this long; the browser opens a new one by itself (and the session is checked anew). */
const LIFETIME_MS = 30 * 60_000;

/** "apps.0123456789abcdef,members.…": what the page already shows, as the page's script says. */
export function parseKnown(text: unknown): Map<LiveSection, string> {
  const known = new Map<LiveSection, string>();
  if (typeof text !== 'string' || text.length > 200) return known;
  for (const pair of text.split(',')) {
    const [section, hash] = pair.split('.');
    if ((LIVE_SECTIONS as readonly string[]).includes(section) && /^[0-9a-f]{16}$/.test(hash ?? '')) known.set(section as LiveSection, hash);
  }
  return known;
}

/** One event of the stream: a live part of the page, rendered anew, with its fingerprint. */
export function sectionEvent(section: LiveSection, content: string, hash: string): string {
  // JSON on one line: a data line ends at the first newline
  return `event: section\ndata: ${JSON.stringify({ id: section, hash, html: content })}\n\n`;
}

/**
 * Live progress of a club's dashboard as server-sent events: the stream reads the club's state
 * every 1.5 s (the same loaders as the page) and sends each live part of the page that changed,
 * rendered as the page renders it, in the person's language. It checks the session again now and
 * then, sends a heartbeat comment, and ends when the browser goes away, after half an hour (the
 * browser reconnects) or when the application stops.
 */
@Injectable()
export class ClubEvents implements OnModuleDestroy {
  private readonly logger = new Logger(ClubEvents.name);
  private readonly open = new Set<() => void>();

  constructor(
    private readonly dashboards: ClubDashboards,
    private readonly sessions: WebSessions,
  ) {}

  /** How many streams are open (for tests and shutdown). */
  get openStreams(): number {
    return this.open.size;
  }

  async stream(request: Request, response: Response, organizationId: string, known: Map<LiveSection, string>): Promise<void> {
    const page = currentPage();
    // access is checked before the first byte: an outsider gets the 404 page, not a stream
    const first = await this.dashboards.load(page.session!.principal, organizationId);

    response.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      // proxies that buffer (nginx) pass events on at once
      'X-Accel-Buffering': 'no',
    });
    response.flushHeaders();
    response.write('retry: 5000\n\n');

    const last = new Map(known);
    let closed = false;
    const send = (view: Awaited<ReturnType<ClubDashboards['load']>>): void => {
      const live = liveSections(page.texts, view);
      for (const section of LIVE_SECTIONS) {
        const content = live[section];
        if (!content) continue;
        const hash = liveHash(content);
        if (last.get(section) === hash) continue;
        last.set(section, hash);
        response.write(sectionEvent(section, content.toString(), hash));
      }
    };

    let polls = 0;
    let busy = false;
    const poll = setInterval(() => {
      if (busy || closed) return;
      busy = true;
      void (async () => {
        polls++;
        if (polls % SESSION_CHECK_POLLS === 0) {
          const session = await this.sessions.read(request, page);
          if (!session) return expire();
          page.session = session;
        }
        const view = await this.dashboards.load(page.session!.principal, organizationId);
        if (!closed) send(view);
      })()
        .catch((error: unknown) => {
          // no longer a member: the page would say "not found" now
          if (error instanceof NotFoundError) return expire();
          // the database may be away for a moment: the next poll tries again
          this.logger.warn(`live dashboard of ${organizationId}: ${(error as Error).message}`);
        })
        .finally(() => {
          busy = false;
        });
    }, POLL_MS);
    const heartbeat = setInterval(() => response.write(': keep-alive\n\n'), HEARTBEAT_MS);
    const lifetime = setTimeout(() => end(), LIFETIME_MS);

    const end = (): void => {
      if (closed) return;
      closed = true;
      clearInterval(poll);
      clearInterval(heartbeat);
      clearTimeout(lifetime);
      this.open.delete(end);
      response.end();
    };
    // the page reloads: the login page, or "not found", as the person now deserves
    const expire = (): void => {
      if (!closed) response.write('event: expired\ndata: {}\n\n');
      end();
    };
    // the response's close: the browser went away (a request's own close only says its body was read)
    response.on('close', end);
    this.open.add(end);
    send(first);
  }

  onModuleDestroy(): void {
    for (const end of [...this.open]) end();
  }
}

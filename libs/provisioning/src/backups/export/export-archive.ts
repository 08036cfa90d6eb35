import { posix } from 'node:path';
import type { Writable } from 'node:stream';
import { ContainerRuntime, type EngineEndpoint, type OpenArchive } from '#runtime';
import type { AppDeployment } from '../../pipeline/tenant-deployments.js';
import { mountOf } from '../backup-plan.js';
import { exportPathOf, exportReadme, exportRulesOf, MARIADB_SANDBOX_LINE, settingsFile, type VolumeRule } from './export-layout.js';
import { readTar, TarWriter, type TarHeader } from './tar.js';

/** Symlinks followed into other links at most this deep (a loop ends here). */
const MAX_LINK_DEPTH = 4;

export interface ExportSummary {
  files: number;
  bytes: number;
  skippedLinks: string[];
}

interface Context {
  tar: TarWriter;
  open: OpenArchive;
  summary: ExportSummary;
  written: Set<string>;
}

const neutral = (header: TarHeader): TarHeader => ({ ...header, uid: 0, gid: 0, uname: undefined, gname: undefined });

/** The entry name without the archive's first component (the path's own name): "wp-content/a/b" -> "a/b". */
function insideRoot(name: string): string {
  const slash = name.indexOf('/');
  return slash === -1 ? '' : name.slice(slash + 1);
}

/** Emits the directories above `path` that are not in the archive yet. */
async function ensureParents(context: Context, path: string, mtime: Date): Promise<void> {
  const parts = path.split('/');
  for (let i = 1; i < parts.length; i++) {
    const dir = parts.slice(0, i).join('/');
    if (context.written.has(dir)) continue;
    context.written.add(dir);
    await context.tar.add({ name: dir, type: 'directory', size: 0, mode: 0o755, uid: 0, gid: 0, mtime });
  }
}

/** A body without MariaDB's sandbox line (when its first line is that, trailing blanks and all), and its new size. */
async function plainSqlBody(body: AsyncIterable<Buffer>, size: number): Promise<{ size: number; body: AsyncIterable<Buffer> }> {
  const iterator = body[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  while (!head.includes(0x0a) && head.length < 512) {
    const next = await iterator.next();
    if (next.done) break;
    head = Buffer.concat([head, next.value]);
  }
  const end = head.indexOf(0x0a);
  const strip = end >= 0 && MARIADB_SANDBOX_LINE.test(head.subarray(0, end + 1).toString('latin1'));
  const first = strip ? head.subarray(end + 1) : head;
  return {
    size: strip ? size - (end + 1) : size,
    body: {
      async *[Symbol.asyncIterator]() {
        if (first.length) yield first;
        for (;;) {
          const next = await iterator.next();
          if (next.done) return;
          yield next.value;
        }
      },
    },
  };
}

/**
 * Copies one tree (a tar of `containerPath` as the helper sees it) to `to` in the export,
 * following symlinks that leave the tree (into the image, e.g. WordPress themes Debian
 * installs) so the export holds real files. `rule` applies to the volume's own tree only.
 */
async function copyTree(context: Context, containerPath: string, to: (relative: string) => string | null, options: { rule?: VolumeRule; root: string; depth: number }): Promise<void> {
  const archive = await context.open(containerPath);
  for await (const entry of readTar(archive)) {
    const relative = insideRoot(entry.header.name);
    const target = to(relative);
    if (target === null) continue;
    const header = neutral({ ...entry.header, name: target });
    if (entry.header.type === 'directory') {
      if (context.written.has(target)) continue;
      await ensureParents(context, target, header.mtime);
      context.written.add(target);
      await context.tar.add(header);
    } else if (entry.header.type === 'file') {
      await ensureParents(context, target, header.mtime);
      const plain = options.rule?.plainSql?.includes(relative);
      const { size, body } = plain ? await plainSqlBody(entry.body, header.size) : { size: header.size, body: entry.body };
      await context.tar.add({ ...header, size }, body);
      context.written.add(target);
      context.summary.files++;
      context.summary.bytes += size;
    } else if (entry.header.type === 'symlink') {
      const here = posix.join(containerPath, relative);
      const resolved = posix.resolve(posix.dirname(here), entry.header.linkname ?? '');
      const inside = resolved === options.root || resolved.startsWith(`${options.root}/`);
      if (inside && !posix.isAbsolute(entry.header.linkname ?? '')) {
        // a relative link within the volume works as it is
        await ensureParents(context, target, header.mtime);
        await context.tar.add(header);
      } else if (options.depth >= MAX_LINK_DEPTH) {
        context.summary.skippedLinks.push(target);
      } else {
        try {
          await copyTree(context, resolved, (inner) => (inner ? `${target}/${inner}` : target), { root: resolved, depth: options.depth + 1 });
        } catch {
          context.summary.skippedLinks.push(target); // points nowhere
        }
      }
    }
    // hard links, devices, fifos: not part of a club's data
  }
}

/**
 * Writes the club's export as one tar (the caller compresses it): README.md, then per app its
 * files laid out for a plain upstream install (see export-layout.ts), read from the volumes
 * through never-started containers of the apps' own images (so symlinks into the image become
 * real files), plus the settings the data needs. Works for stopped apps too.
 */
export async function writeExport(
  runtime: ContainerRuntime,
  host: EngineEndpoint,
  input: { tenant: { id: string; slug: string }; club: string; domain: string; apps: AppDeployment[]; dumpedAt: Date | null; now: Date },
  out: Writable,
): Promise<ExportSummary> {
  const summary: ExportSummary = { files: 0, bytes: 0, skippedLinks: [] };
  const tar = new TarWriter(out);
  const context: Context = { tar, open: () => Promise.reject(new Error('no archive source open')), summary, written: new Set<string>() };
  const readme = Buffer.from(
    exportReadme({
      club: input.club,
      domain: input.domain,
      createdAt: input.now,
      apps: input.apps.map((app) => ({ app: app.plan.app, name: app.template.name, version: app.instance.version, dumpedAt: input.dumpedAt })),
    }),
    'utf8',
  );
  await tar.add({ name: 'README.md', type: 'file', size: readme.length, mode: 0o644, uid: 0, gid: 0, mtime: input.now }, readme);

  for (const app of input.apps) {
    const rules = exportRulesOf(app.plan);
    await ensureParents(context, `${app.plan.app}/-`, input.now);
    for (const [key, rule] of Object.entries(rules.volumes)) {
      const volume = app.plan.volumes.find((candidate) => candidate.key === key);
      const mount = volume && mountOf(app.plan, volume.name);
      if (!volume || !mount) continue;
      const service = app.plan.containers.find((container) => container.service === mount.service)!;
      // the service's backed-up volumes where it mounts them: a link from one into another resolves
      const volumes = service.mounts.filter((m) => app.plan.volumes.some((v) => v.name === m.volume && v.backup)).map((m) => ({ volume: m.volume, target: m.target }));
      await runtime.readArchives(host, { tenant: input.tenant, image: service.image, volumes }, async (open) => {
        context.open = open;
        await copyTree(context, mount.target, (relative) => exportPathOf(app.plan.app, rule, relative), { rule, root: mount.target, depth: 0 });
      });
    }
    if (rules.settings) {
      const text = Buffer.from(settingsFile(app.plan, rules.settings), 'utf8');
      await tar.add({ name: `${app.plan.app}/${rules.settings.file}`, type: 'file', size: text.length, mode: 0o600, uid: 0, gid: 0, mtime: input.now }, text);
    }
  }
  if (summary.skippedLinks.length) {
    const notes = Buffer.from(`Links that pointed nowhere and were left out:\n${summary.skippedLinks.join('\n')}\n`, 'utf8');
    await tar.add({ name: 'SKIPPED-LINKS.txt', type: 'file', size: notes.length, mode: 0o644, uid: 0, gid: 0, mtime: input.now }, notes);
  }
  await tar.finish();
  return summary;
}

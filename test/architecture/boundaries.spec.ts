import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

// The library boundaries docs/architecture.md describes, checked on the sources: allowed
// imports (read from the document's table), no cycles, tables used only by their owner,
// a #runtime that loads no dockerode/TypeORM/identity, and DTOs outside controllers.

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const LIBS_DIR = join(ROOT, 'libs');

interface ImportFact {
  file: string;
  specifier: string;
  /** Nothing of it is loaded at run time (import type, or every name marked type). */
  typeOnly: boolean;
  names: { name: string; typeOnly: boolean }[];
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

function importsOf(file: string): ImportFact[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const facts: ImportFact[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const names: ImportFact['names'] = [];
      if (clause?.name) names.push({ name: clause.name.text, typeOnly: clause.isTypeOnly });
      const bindings = clause?.namedBindings;
      if (bindings && ts.isNamedImports(bindings)) {
        for (const element of bindings.elements) names.push({ name: (element.propertyName ?? element.name).text, typeOnly: clause!.isTypeOnly || element.isTypeOnly });
      } else if (bindings && ts.isNamespaceImport(bindings)) {
        names.push({ name: '*', typeOnly: clause!.isTypeOnly });
      }
      const typeOnly = !!clause && (clause.isTypeOnly || (names.length > 0 && names.every((n) => n.typeOnly)));
      facts.push({ file, specifier: node.moduleSpecifier.text, typeOnly, names });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      facts.push({ file, specifier: node.moduleSpecifier.text, typeOnly: node.isTypeOnly, names: [] });
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
      facts.push({ file, specifier: node.arguments[0].text, typeOnly: false, names: [] });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return facts;
}

/** The "| library | may import | owns |" table of docs/architecture.md. */
function documentedRules(): Map<string, Set<string>> {
  const text = readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8');
  const rules = new Map<string, Set<string>>();
  for (const line of text.split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim());
    if (cells.length < 4 || !/^[a-z]+$/.test(cells[1]) || cells[1] === 'library') continue;
    const allowed = cells[2] === '—' ? [] : cells[2].split(',').map((name) => name.trim());
    rules.set(cells[1], new Set(allowed));
  }
  return rules;
}

const LIBRARIES = readdirSync(LIBS_DIR).filter((name) => existsSync(join(LIBS_DIR, name, 'src/index.ts')));
const libraryOf = (file: string): string | undefined => {
  const path = relative(LIBS_DIR, file);
  return path.startsWith('..') ? undefined : path.split('/')[0];
};
const targetLibrary = (specifier: string): string | undefined => /^#([a-z]+)(\/|$)/.exec(specifier)?.[1];

const FILES = LIBRARIES.flatMap((library) => sourceFiles(join(LIBS_DIR, library, 'src')));
const APP_FILES = sourceFiles(join(ROOT, 'apps'));
const IMPORTS = FILES.flatMap(importsOf);
const RULES = documentedRules();

/** package.json "imports" resolved with the "types" condition, as TypeScript does. */
const PACKAGE_IMPORTS = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).imports as Record<string, { types: string }>;

function resolveSpecifier(from: string, specifier: string): string | undefined {
  let path: string | undefined;
  if (specifier.startsWith('.')) {
    path = resolve(dirname(from), specifier);
  } else if (specifier.startsWith('#')) {
    const exact = PACKAGE_IMPORTS[specifier];
    if (exact) path = join(ROOT, exact.types);
    else {
      const [prefix, rest] = [specifier.slice(0, specifier.indexOf('/') + 1), specifier.slice(specifier.indexOf('/') + 1)];
      const pattern = PACKAGE_IMPORTS[`${prefix}*`];
      if (pattern) path = join(ROOT, pattern.types.replace('*', rest));
    }
  }
  if (!path) return undefined;
  for (const candidate of [path.replace(/\.js$/, '.ts'), `${path}.ts`, join(path, 'index.ts')]) if (existsSync(candidate) && candidate.endsWith('.ts')) return candidate;
  return undefined;
}

describe('library boundaries (docs/architecture.md)', () => {
  it('documents every library, and only libraries that exist', () => {
    expect([...RULES.keys()].sort()).toEqual([...LIBRARIES].sort());
  });

  it('imports other libraries only through their barrels, and only those the document allows', () => {
    const violations = IMPORTS.flatMap(({ file, specifier }) => {
      const from = libraryOf(file)!;
      const to = targetLibrary(specifier);
      const where = `${relative(ROOT, file)} imports ${specifier}`;
      if (specifier.startsWith('.') && libraryOf(resolve(dirname(file), specifier)) !== from) return [`${where}: a relative path out of ${from}`];
      if (!to) return [];
      if (to === 'test') return [`${where}: libraries never import test code`];
      if (to === from) return [`${where}: inside a library, import relatively`];
      if (!PACKAGE_IMPORTS[specifier]) return [`${where}: only a library's barrel or a documented sub-barrel may be imported`];
      if (!RULES.get(from)?.has(to)) return [`${where}: ${from} may not import ${to}`];
      return [];
    });
    expect(violations).toEqual([]);
  });

  it('lets entry points import any library, through its barrels', () => {
    const violations = APP_FILES.flatMap(importsOf)
      .filter(({ specifier }) => targetLibrary(specifier) && !PACKAGE_IMPORTS[specifier])
      .map(({ file, specifier }) => `${relative(ROOT, file)} imports ${specifier}: only a library's barrel or a documented sub-barrel may be imported`);
    expect(violations).toEqual([]);
  });

  it('has no cycle between libraries', () => {
    const edges = new Map<string, Set<string>>(LIBRARIES.map((library) => [library, new Set<string>()]));
    for (const { file, specifier } of IMPORTS) {
      const to = targetLibrary(specifier);
      const from = libraryOf(file)!;
      if (to && to !== from && edges.has(to)) edges.get(from)!.add(to);
    }
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (library: string, path: string[]) => {
      if (state.get(library) === 'done') return;
      if (state.get(library) === 'visiting') return void cycles.push([...path.slice(path.indexOf(library)), library].join(' -> '));
      state.set(library, 'visiting');
      for (const next of edges.get(library) ?? []) visit(next, [...path, library]);
      state.set(library, 'done');
    };
    for (const library of LIBRARIES) visit(library, []);
    expect(cycles).toEqual([]);
  });

  it("uses another library's tables only as types", () => {
    const entitiesOf = new Map<string, Set<string>>();
    for (const file of FILES) {
      for (const match of readFileSync(file, 'utf8').matchAll(/@Entity\([^)]*\)\s*(?:@[^\n]+\s*)*export class (\w+)/g)) {
        const library = libraryOf(file)!;
        entitiesOf.set(library, (entitiesOf.get(library) ?? new Set()).add(match[1]));
      }
    }
    const violations = IMPORTS.flatMap(({ file, specifier, names }) => {
      const to = targetLibrary(specifier);
      const from = libraryOf(file);
      if (!to || to === from || file.endsWith('.spec.ts')) return [];
      return names.filter((n) => !n.typeOnly && entitiesOf.get(to)?.has(n.name)).map((n) => `${relative(ROOT, file)} uses ${to}'s table ${n.name} (ask ${to}'s service instead)`);
    });
    expect([...entitiesOf.values()].reduce((count, set) => count + set.size, 0)).toBeGreaterThan(10);
    expect(violations).toEqual([]);
  });

  it('loads no dockerode, TypeORM or identity when #runtime is imported (the renderer depends on it)', () => {
    const loaded = new Set<string>();
    const packages = new Set<string>();
    const walk = (file: string) => {
      if (loaded.has(file)) return;
      loaded.add(file);
      for (const fact of importsOf(file)) {
        if (fact.typeOnly) continue;
        const target = resolveSpecifier(file, fact.specifier);
        if (target) walk(target);
        else if (!fact.specifier.startsWith('.') && !fact.specifier.startsWith('#')) packages.add(fact.specifier.startsWith('@') ? fact.specifier.split('/').slice(0, 2).join('/') : fact.specifier.split('/')[0]);
      }
    };
    walk(join(LIBS_DIR, 'runtime/src/index.ts'));
    const libraries = new Set([...loaded].map((file) => libraryOf(file)));
    expect(loaded.size).toBeGreaterThan(3);
    expect([...packages].filter((name) => ['dockerode', 'typeorm', '@nestjs/typeorm', 'docker-modem'].includes(name))).toEqual([]);
    expect([...libraries].sort()).toEqual(['platform', 'runtime']);
  });

  it('keeps DTOs out of controllers: a controller file holds exactly its controller class', () => {
    const crowded = FILES.filter((file) => file.endsWith('.controller.ts'))
      .map((file) => ({ file, classes: [...readFileSync(file, 'utf8').matchAll(/^(?:export )?(?:abstract )?class (\w+)/gm)].map((m) => m[1]) }))
      .filter(({ classes }) => classes.length !== 1)
      .map(({ file, classes }) => `${relative(ROOT, file)}: ${classes.join(', ')}`);
    expect(crowded).toEqual([]);
  });
});

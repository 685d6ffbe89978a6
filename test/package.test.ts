/**
 * What the npm package ships: what users run (lib/, the handler and CLI
 * bundles in assets/, the jsii assembly) and the docs of its registry page,
 * nothing else (no benchmarks, rosetta fixtures, test support or sources).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');

/** The files `npm pack` would put in the package, as paths relative to the package root. */
function packedFiles(): string[] {
  const output = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return (JSON.parse(output) as Array<{ files: Array<{ path: string }> }>)[0].files.map((f) => f.path);
}

describe('the npm package', () => {
  const files = packedFiles();

  test('holds only what users need', () => {
    const allowed = [/^package\.json$/, /^README\.md$/, /^LICENSE$/, /^API\.md$/, /^\.jsii(\.tabl\.json)?$/, /^lib\//, /^assets\//];
    expect(files.filter((file) => !allowed.some((pattern) => pattern.test(file)))).toEqual([]);
  });

  test.each(['bench/', 'rosetta/', 'docs/', 'test/', 'src/', 'examples/', 'lib/cli/'])('leaves out %s', (folder) => {
    expect(files.filter((file) => file.startsWith(folder))).toEqual([]);
  });

  test('ships the handler and CLI bundles (package.json bin and the Lambda code)', () => {
    expect(files).toEqual(expect.arrayContaining(['assets/handler/index/index.js', 'assets/cli/main/index.js']));
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(Object.values(pkg.bin)).toEqual(['assets/cli/main/index.js']);
  });

  // lib/ exists once the library is compiled (`npx projen build`; jest runs before it in `npm test`).
  const compiled = fs.existsSync(path.join(ROOT, 'lib', 'index.js'));
  (compiled ? test : test.skip)('every module of lib/ finds the modules it requires inside the package', () => {
    const packed = new Set(files);
    const missing: string[] = [];
    for (const file of files.filter((f) => f.startsWith('lib/') && f.endsWith('.js'))) {
      const source = fs.readFileSync(path.join(ROOT, file), 'utf8');
      for (const [, request] of source.matchAll(/require\("(\.{1,2}\/[^"]+)"\)/g)) {
        const target = path.posix.join(path.posix.dirname(file), request);
        if (![`${target}.js`, `${target}/index.js`, target].some((candidate) => packed.has(candidate))) {
          missing.push(`${file} -> ${request}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });
});

// README, "Trying an unreleased version": the steps that build the tarball
// (checked by hand in a fresh clone: pre-compile, compile, package:js) must
// stay tasks of the project, in that order, and package:js must pack the npm
// package with jsii-pacmak, which names it <package>@<version>.jsii.tgz.
describe('README: building the package of an unreleased version', () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const tasks = JSON.parse(fs.readFileSync(path.join(ROOT, '.projen', 'tasks.json'), 'utf8')).tasks as Record<string, { steps?: Array<Record<string, unknown>> }>;
  const section = readme.slice(readme.indexOf('### Trying an unreleased version'), readme.indexOf('## The journey'));

  test('names the projen tasks that build it, and they exist', () => {
    const named = [...section.matchAll(/npx projen ([\w:-]+)/g)].map((m) => m[1]);
    expect(named.slice(0, 3)).toEqual(['pre-compile', 'compile', 'package:js']);
    expect(named.filter((task) => !tasks[task])).toEqual([]);
    expect(JSON.stringify(tasks['package:js'].steps)).toContain('jsii-pacmak');
    expect(JSON.stringify(tasks['pre-compile'].steps)).toContain('bundle');
  });

  test('names the tarball as jsii-pacmak writes it, with the package\'s name and version', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(section).toContain(`dist/js/${pkg.name}@${pkg.version}.jsii.tgz`);
  });
});

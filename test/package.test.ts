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

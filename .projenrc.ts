import { awscdk, javascript } from 'projen';

/**
 * Lowest aws-cdk-lib this library supports, and the version it is built and
 * tested with. 2.257.0 is the newest release whose cloud assembly (schema 53)
 * @aws-cdk/integ-runner can still read; it also has addWarningV2 and
 * acknowledgeWarning, which the documentation-range rule relies on.
 */
const CDK_VERSION = '2.257.0';
/**
 * aws-cdk-lib 2.257.0 asks for constructs ^10.5.0, cdk-nag 2.38 and 3 for
 * ^10.5.1: users who check with cdk-nag have 10.5.1 at least.
 */
const CONSTRUCTS_VERSION = '10.5.1';

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'cdk-ses-byoip',
  description:
    'AWS CDK constructs for Amazon SES "bring your own IP" (BYOIP): a dedicated IP pool and configuration set for your /24, with synthesis-time checks of the range.',
  keywords: ['aws', 'aws-cdk', 'cdk', 'ses', 'email', 'byoip', 'dedicated-ip'],
  author: 'cdk-ses-byoip maintainers',
  authorAddress: 'maintainers@users.noreply.r-seed-6cb251d7.example',
  repositoryUrl: 'https://github.com/cdk-ses-byoip/cdk-ses-byoip.git',
  license: 'Apache-2.0',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,

  cdkVersion: CDK_VERSION,
  constructsVersion: CONSTRUCTS_VERSION,
  jsiiVersion: '~6.0.0',
  // Node 20 is what this machine and CI run; @types/node follows it.
  minNodeVersion: '20.0.0',
  workflowNodeVersion: '20.x',

  // The development tsconfig (tests, examples, .projenrc.ts) lives at the root,
  // and eslint type-checks every file against it.
  tsconfigDevFile: 'tsconfig.dev.json',
  // ts-jest only transpiles: type-check the tests too.
  typecheckTests: true,
  eslintOptions: {
    dirs: ['src'],
    devdirs: ['test', 'examples', 'bench'],
    projectService: false,
    tsconfigPath: './tsconfig.dev.json',
  },

  jestOptions: {
    // CI must fail on a changed snapshot, not rewrite it: `npx projen test:update` does that.
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
  },

  devDeps: [
    // The real CDK CLI, for `npm run example`.
    'aws-cdk@^2.1100.0',
    // The deploy-time handler's SES client: bundled into its Lambda asset at
    // build time, so it is not a runtime dependency of the library.
    '@aws-sdk/client-sesv2@^3.1000.0',
    // The handler reads its own stack's status (DescribeStacks) to tell
    // CloudFormation's rollback of an update from a forward update;
    // `ses-byoip plan` reads the deployed stacks' resources and templates.
    '@aws-sdk/client-cloudformation@^3.1000.0',
    // `ses-byoip plan` asks STS which account the credentials belong to (GetCallerIdentity).
    '@aws-sdk/client-sts@^3.1000.0',
    // `ses-byoip resume` prints the set's bounce and complaint rates (CloudWatch GetMetricData).
    '@aws-sdk/client-cloudwatch@^3.1000.0',
    'aws-sdk-client-mock@^4.1.0',
    // The library's own resources must pass cdk-nag's AwsSolutions checks,
    // for users of cdk-nag 2 (an Aspect) and of cdk-nag 3 (a validation plugin).
    'cdk-nag@^2.38.2',
    'cdk-nag-v3@npm:cdk-nag@^3.0.2',
    // integ-runner 2.197 reads cloud assembly schema 53, which aws-cdk-lib 2.257 writes.
    '@aws-cdk/integ-runner@~2.197.10',
    '@aws-cdk/integ-tests-alpha@2.245.0-alpha.0',
    // The CLI's `dns` tests answer from a local DNS server: dns-packet encodes
    // and decodes the messages (no hand-written packet code).
    'dns-packet@^5.6.1',
    '@types/dns-packet@^5.6.5',
    // Property-based tests of the handler's planner and executor: random
    // layouts, changes and failure points, with shrinking to the smallest case.
    'fast-check@^4.10.0',
  ],

  // Every jsii language. The release workflow builds and publishes these
  // packages; `npm test` generates their sources (see test:languages).
  publishToPypi: { distName: 'cdk-ses-byoip', module: 'cdk_ses_byoip' },
  publishToMaven: {
    javaPackage: 'io.github.cdksesbyoip',
    mavenGroupId: 'io.github.cdk-ses-byoip',
    mavenArtifactId: 'cdk-ses-byoip',
  },
  publishToNuget: { dotNetNamespace: 'CdkSesByoip', packageId: 'CdkSesByoip' },
  publishToGo: { moduleName: 'github.com/cdk-ses-byoip/cdk-ses-byoip-go' },

  // cdk.out directories, and the assets in integ snapshots (integ-runner
  // ignores asset changes; the templates are what it verifies).
  gitignore: ['cdk.out/', '/.jsii.tabl.json'],
  npmignoreEnabled: true,
  // The npm package holds what users run: lib/, the bundles in assets/, the
  // jsii assembly and the docs of its page. Not the benchmarks, the rosetta
  // fixtures or docs/ (README's relative links resolve to the repository).
  npmIgnoreOptions: {
    ignorePatterns: ['/examples/', '/.ci/', 'cdk.out', '/bench/', '/rosetta/', '/docs/'],
  },
});

// The handler and the CLI ship as bundles (assets/); their compiled sources
// would need the AWS SDK, which is not a dependency. (After jsii's own
// patterns, which include all of lib/.)
// (The construct side reads the handler's contract, and the tag keys of its memory.)
project.npmignore?.addPatterns('/lib/cli/', '/lib/pause-sending/', '/lib/handler/*', '!/lib/handler/resource-properties.*', '!/lib/handler/pool-memory.*');

// The deploy-time handler (src/handler) runs in Lambda: bundle it with the
// AWS SDK into one file, so the version it was tested with is the one that runs.
// Minified (half the size to upload and install; names kept for errors and logs).
project.bundler.addBundle('src/handler/index.ts', {
  platform: 'node',
  target: 'node20',
  externals: [],
  minify: true,
  keepNames: true,
});
// The ReputationGuard's pause function (src/pause-sending), the action of
// its critical alarms, is bundled the same way: assets/pause-sending/index/index.js.
project.bundler.addBundle('src/pause-sending/index.ts', {
  platform: 'node',
  target: 'node20',
  externals: [],
  minify: true,
  keepNames: true,
});
// The CLI (src/cli), `npx ses-byoip`, is bundled the same way: it needs no
// runtime dependency of the library.
const cli = project.bundler.addBundle('src/cli/main.ts', {
  platform: 'node',
  target: 'node20',
  externals: [],
  minify: true,
  keepNames: true,
  executable: true,
  banner: '#!/usr/bin/env node',
});
project.package.addBin({ 'ses-byoip': cli.outfile });
// The construct's Lambda code is that bundle, and the CLI's tests run it: build them first.
project.testTask.prependSpawn(project.bundler.bundleTask);
// The handler's and the CLI's dependencies are bundled into them: build-time dependencies.
project.eslint?.addOverride({
  files: ['src/handler/**', 'src/cli/**'],
  rules: { 'import/no-extraneous-dependencies': ['error', { devDependencies: true, optionalDependencies: false, peerDependencies: true }] },
});

// Every language jsii targets must be able to express the API, and README's
// TypeScript examples must compile (jsii-rosetta, as Construct Hub runs it).
// The packages themselves are built by the release workflow, which has the
// toolchains; the sources are generated here from the assembly.
const languages = project.addTask('test:languages', {
  description: 'Compile README examples with jsii-rosetta and generate the Python, Java, .NET and Go sources',
  steps: [
    { exec: 'jsii' },
    { exec: 'jsii-rosetta extract --strict' },
    { exec: 'jsii-pacmak --code-only --target python --target java --target dotnet --target go --outdir dist/code-only' },
  ],
});
project.testTask.spawn(languages);
// A local build packages JavaScript only (this machine has no Maven, NuGet,
// PyPI or Go proxy); `package-all` and the release workflow build the rest.
project.packageTask.reset();
project.packageTask.spawn(project.tasks.tryFind('package:js')!);

// Integration tests (test/integ.*.ts). `npm test` verifies their committed
// snapshots offline; dummy credentials spare integ-runner a slow lookup.
const offline = { AWS_ACCESS_KEY_ID: 'offline', AWS_SECRET_ACCESS_KEY: 'offline', AWS_REGION: 'us-east-1' };
const integ = project.addTask('integ', {
  description: 'Verify the integration test snapshots (offline)',
  env: offline,
  steps: [{ exec: 'integ-runner --language typescript', receiveArgs: true }],
});
integ.prependSpawn(project.bundler.bundleTask);
project.testTask.spawn(integ);
project.addTask('integ:update', {
  description: 'Write the integration test snapshots again, without deploying (after a deliberate change)',
  env: offline,
  steps: [
    { spawn: project.bundler.bundleTask.name },
    { exec: 'integ-runner --language typescript --update-on-failed --dry-run', receiveArgs: true },
  ],
});
project.addTask('integ:deploy', {
  description: 'Deploy the integration tests to AWS and run their assertions (needs a provisioned BYOIP range, see README)',
  steps: [
    { spawn: project.bundler.bundleTask.name },
    // --force deploys whatever the snapshot says; the snapshot is not rewritten
    // with the maintainer's account and range.
    { exec: 'integ-runner --language typescript --force', receiveArgs: true },
  ],
});

// `npm run bench`: deploy-path and synthesis benchmarks (bench/), outside
// the tests; writes docs/benchmarks.md. `npm run bench -- --smoke` just checks it runs.
const bench = project.addTask('bench', {
  description: 'Run the benchmarks and write docs/benchmarks.md (--smoke: tiny sizes, writes nothing)',
  steps: [{ exec: 'ts-node -T --prefer-ts-exts bench/run.ts', receiveArgs: true }],
});
bench.prependSpawn(project.bundler.bundleTask);

// `npm run example` synthesizes the example app with the real CDK CLI.
// Extra arguments go to `cdk synth`, e.g. `npm run example -- -c cidr=192.0.2.0/24`.
const example = project.addTask('example', {
  description: 'Synthesize the example app (examples/app.ts) with the AWS CDK CLI',
  env: {
    // No AWS account is needed: the example stack has an explicit account and Region.
    CDK_DISABLE_VERSION_CHECK: 'true',
    CDK_DISABLE_CLI_TELEMETRY: 'true',
  },
  steps: [
    {
      exec: 'cdk synth --app "ts-node -T --prefer-ts-exts examples/app.ts" --output examples/cdk.out --no-notices --no-version-reporting',
      receiveArgs: true,
    },
  ],
});
// The example's stack holds the handler's Lambda code: bundle it first.
example.prependSpawn(project.bundler.bundleTask);

// The assets in integ snapshots are not committed: integ-runner ignores asset
// changes and verifies the templates. (After projen's own `!/test/`.)
project.gitignore.exclude('/test/*.snapshot/asset.*');

// eslint type-checks .projenrc.ts against the dev tsconfig too ("**/*.ts" skips dotfiles).
project.tsconfigDev.addInclude('.projenrc.ts');

project.synth();

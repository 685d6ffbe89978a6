import { awscdk, javascript } from 'projen';

/**
 * Lowest aws-cdk-lib this library supports, and the version it is built and
 * tested with. 2.257.0 is the newest release whose cloud assembly (schema 53)
 * @aws-cdk/integ-runner can still read; it also has addWarningV2 and
 * acknowledgeWarning, which the documentation-range rule relies on.
 */
const CDK_VERSION = '2.257.0';
/** The constructs version that aws-cdk-lib 2.257.0 asks for (^10.5.0). */
const CONSTRUCTS_VERSION = '10.5.0';

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
  eslintOptions: {
    dirs: ['src'],
    devdirs: ['test', 'examples'],
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
    'aws-sdk-client-mock@^4.1.0',
  ],

  gitignore: ['cdk.out', '*.cdk.out'],
  npmignoreEnabled: true,
  npmIgnoreOptions: {
    ignorePatterns: ['/examples/', '/.ci/', 'cdk.out'],
  },
});

// The deploy-time handler (src/handler) runs in Lambda: bundle it with the
// AWS SDK into one file, so the version it was tested with is the one that runs.
project.bundler.addBundle('src/handler/index.ts', {
  platform: 'node',
  target: 'node20',
  externals: [],
});
// The construct's Lambda code is that bundle, so tests need it: build it first.
project.testTask.prependSpawn(project.bundler.bundleTask);
// The handler's dependencies are bundled into it: build-time dependencies for the library.
project.eslint?.addOverride({
  files: ['src/handler/**'],
  rules: { 'import/no-extraneous-dependencies': ['error', { devDependencies: true, optionalDependencies: false, peerDependencies: true }] },
});

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

// eslint type-checks .projenrc.ts against the dev tsconfig too ("**/*.ts" skips dotfiles).
project.tsconfigDev.addInclude('.projenrc.ts');

project.synth();

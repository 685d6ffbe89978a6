import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Fn, Stack, Stage } from 'aws-cdk-lib';
import { ByoipSendingPool } from '../../src';
import { AssemblyStack, NEW_POOL_PLACEHOLDER_PREFIX, poolResourcesOf, PoolResource, readCloudAssembly, Template } from '../../src/cli/cloud-assembly';
import { InvalidInput } from '../../src/cli/errors';
import { POOL_ADDRESSES_RESOURCE_TYPE, POOL_NAME } from '../../src/handler/resource-properties';
import { WarmupMode } from '../../src/warmup-mode';

// A ceiling for a slow machine, not a timing assertion.
jest.setTimeout(60_000);

const SPLIT_RANGE = '8.8.1.0/24';
const WHOLE_RANGE = '8.8.2.0/24';

/**
 * One app for every test, as `cdk synth` writes it: a stack with an explicit
 * env (a range split between a named and a generated-name pool, and a
 * whole-range pool), an environment-agnostic stack with its own stack
 * name, a stack whose pool name is an import, and a Stage (with a Stage in
 * it) that holds a stack each.
 */
function synthesizeApp(outdir: string): void {
  const app = new App({ outdir });
  const mail = new Stack(app, 'Mail', { env: { account: '111122223333', region: 'eu-west-1' } });
  new ByoipSendingPool(mail, 'Transactional', { cidr: SPLIT_RANGE, addresses: ['8.8.1.0/27'], dedicatedIpPoolName: 'transactional' });
  new ByoipSendingPool(mail, 'Marketing', { cidr: SPLIT_RANGE, addresses: ['8.8.1.32/27', '8.8.1.64/26'] });
  new ByoipSendingPool(mail, 'Whole', { cidr: WHOLE_RANGE });
  new Stack(app, 'Agnostic', { stackName: 'agnostic-mail' });
  const imported = new Stack(app, 'Imported', { env: { account: '111122223333', region: 'eu-west-2' } });
  new ByoipSendingPool(imported, 'Pool', { cidr: '8.8.3.0/24', dedicatedIpPoolName: Fn.importValue('pool-name') });
  const prod = new Stage(app, 'Prod', { env: { account: '444455556666', region: 'us-east-1' } });
  new ByoipSendingPool(new Stack(prod, 'Mail'), 'Pool', { cidr: '8.8.4.0/24', dedicatedIpPoolName: 'prod' });
  const canary = new Stage(prod, 'Canary', { env: { account: '777788889999', region: 'us-west-2' } });
  new ByoipSendingPool(new Stack(canary, 'Mail'), 'Pool', { cidr: '8.8.5.0/24' });
  app.synth();
}

let root: string;
let assemblyDir: string;
let stacks: AssemblyStack[];

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'cloud-assembly-test-'));
  assemblyDir = path.join(root, 'cdk.out');
  synthesizeApp(assemblyDir);
  stacks = readCloudAssembly(assemblyDir);
});

afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

function stack(displayName: string): AssemblyStack {
  const found = stacks.find((s) => s.displayName === displayName);
  if (!found) {
    throw new Error(`no stack ${displayName} in ${stacks.map((s) => s.displayName).join(', ')}`);
  }
  return found;
}

/** The resource whose logical ID starts with the construct ID `id`. */
function resource(resources: readonly PoolResource[], id: string): PoolResource {
  const found = resources.filter((r) => r.logicalId.startsWith(`${id}PoolAddresses`));
  expect(found).toHaveLength(1);
  return found[0];
}

/** A copy of the assembly to break, in a directory of its own. */
function copyOfAssembly(): string {
  const dir = fs.mkdtempSync(path.join(root, 'copy-'));
  fs.cpSync(assemblyDir, dir, { recursive: true });
  return dir;
}

describe('readCloudAssembly', () => {
  test('lists every stack, those of nested Stages included, with its name and environment', () => {
    const summary = stacks
      .map(({ stackName, displayName, account, region }) => ({ stackName, displayName, account, region }))
      .sort((a, b) => a.displayName.localeCompare(b.displayName));
    expect(summary).toEqual([
      { stackName: 'agnostic-mail', displayName: 'Agnostic', account: undefined, region: undefined },
      { stackName: 'Imported', displayName: 'Imported', account: '111122223333', region: 'eu-west-2' },
      { stackName: 'Mail', displayName: 'Mail', account: '111122223333', region: 'eu-west-1' },
      { stackName: 'Prod-Canary-Mail', displayName: 'Prod/Canary/Mail', account: '777788889999', region: 'us-west-2' },
      { stackName: 'Prod-Mail', displayName: 'Prod/Mail', account: '444455556666', region: 'us-east-1' },
    ]);
  });

  test('an environment-agnostic stack has no account and no Region at all', () => {
    const agnostic = stack('Agnostic');
    expect('account' in agnostic).toBe(false);
    expect('region' in agnostic).toBe(false);
  });

  test('reads each template from its own assembly directory', () => {
    const prod = stack('Prod/Mail');
    expect(prod.artifactId).not.toBe('Mail');
    expect(prod.templateFile).toBe(path.join(assemblyDir, 'assembly-Prod', `${prod.artifactId}.template.json`));
    expect(path.dirname(stack('Prod/Canary/Mail').templateFile)).toBe(path.join(assemblyDir, 'assembly-Prod', 'assembly-Prod-Canary'));
    const types = Object.values(prod.template.Resources as Record<string, { Type: string }>).map((r) => r.Type);
    expect(types).toEqual(expect.arrayContaining(['AWS::SES::DedicatedIpPool', POOL_ADDRESSES_RESOURCE_TYPE]));
  });

  test('reads a Stage\'s own assembly directory too', () => {
    const prodOnly = readCloudAssembly(path.join(assemblyDir, 'assembly-Prod')).map((s) => s.displayName).sort();
    expect(prodOnly).toEqual(['Prod/Canary/Mail', 'Prod/Mail']);
  });

  test('fails when the directory does not exist', () => {
    const dir = path.join(root, 'missing');
    expect(() => readCloudAssembly(dir)).toThrow(new InvalidInput([
      `The directory "${dir}" does not exist: run cdk synth first, or pass --app <dir> with the directory that cdk synth writes (cdk.out unless its --output says otherwise).`,
    ]));
  });

  test('fails when the directory holds no manifest.json, or is a file', () => {
    const empty = fs.mkdtempSync(path.join(root, 'empty-'));
    expect(() => readCloudAssembly(empty)).toThrow(new InvalidInput([
      `The directory "${empty}" holds no manifest.json, so it is not a cloud assembly: run cdk synth first, or pass --app <dir> with the directory that cdk synth writes (cdk.out unless its --output says otherwise).`,
    ]));
    const manifest = path.join(assemblyDir, 'manifest.json');
    expect(() => readCloudAssembly(manifest)).toThrow(new InvalidInput([
      `"${manifest}" is a file, not the directory of a cloud assembly: run cdk synth first, or pass --app <dir> with the directory that cdk synth writes (cdk.out unless its --output says otherwise).`,
    ]));
  });

  test.each([
    ['is not JSON', '{"version": ', /^it is not JSON: /],
    ['has no version', '{"artifacts": {}}', /^it has no "version"$/],
    ['has artifacts that are not an object', '{"version": "53.0.0", "artifacts": []}', /^its "artifacts" is not an object$/],
    ['names a stack without an environment', '{"version": "53.0.0", "artifacts": {"Mail": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "Mail.template.json"}}}}',
      /^the stack "Mail" has no environment of the form aws:\/\/<account>\/<region>$/],
    ['names a stack without a template file', '{"version": "53.0.0", "artifacts": {"Mail": {"type": "aws:cloudformation:stack", "environment": "aws://unknown-account/unknown-region"}}}',
      /^the stack "Mail" has no "templateFile"$/],
  ])('fails when the manifest %s', (_, text, why) => {
    const dir = fs.mkdtempSync(path.join(root, 'bad-'));
    const manifest = path.join(dir, 'manifest.json');
    fs.writeFileSync(manifest, text);
    const error = catchInvalidInput(() => readCloudAssembly(dir));
    const match = /^The file "(.*)" is not a cloud assembly manifest \((.*)\): run cdk synth again to write it, or pass --app <dir> with the directory that cdk synth writes\.$/.exec(error.message);
    expect(match?.[1]).toBe(manifest);
    expect(match?.[2]).toMatch(why);
    expect(error.problems).toHaveLength(1);
  });

  test('reads a nested assembly that names its own directory once', () => {
    const dir = fs.mkdtempSync(path.join(root, 'loop-'));
    fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({
      version: '53.0.0',
      artifacts: {
        Self: { type: 'cdk:cloud-assembly', properties: { directoryName: '.', displayName: 'Self' } },
        Mail: { type: 'aws:cloudformation:stack', environment: 'aws://111122223333/unknown-region', properties: { templateFile: 'Mail.template.json' } },
      },
    }));
    fs.writeFileSync(path.join(dir, 'Mail.template.json'), '{"Resources": {}}');
    expect(readCloudAssembly(dir)).toEqual([{
      stackName: 'Mail',
      displayName: 'Mail',
      artifactId: 'Mail',
      account: '111122223333',
      templateFile: path.join(dir, 'Mail.template.json'),
      template: { Resources: {} },
    }]);
  });

  test('fails when a template file is missing, or is not JSON', () => {
    const dir = copyOfAssembly();
    const template = path.join(dir, 'Mail.template.json');
    fs.writeFileSync(template, 'Resources: {}');
    expect(catchInvalidInput(() => readCloudAssembly(dir)).message).toMatch(
      new RegExp(`^The template file ${escape(JSON.stringify(template))} of stack "Mail" is not a CloudFormation template \\(it is not JSON: .*\\): run cdk synth again to write it\\.$`),
    );
    fs.rmSync(template);
    expect(() => readCloudAssembly(dir)).toThrow(new InvalidInput([
      `The template file "${template}" of stack "Mail" does not exist: run cdk synth again to write the whole assembly.`,
    ]));
  });

  test('fails when a Stage\'s template file is missing', () => {
    const dir = copyOfAssembly();
    const prod = stack('Prod/Mail');
    const template = path.join(dir, 'assembly-Prod', path.basename(prod.templateFile));
    fs.rmSync(template);
    expect(() => readCloudAssembly(dir)).toThrow(new InvalidInput([
      `The template file "${template}" of stack "Prod-Mail" does not exist: run cdk synth again to write the whole assembly.`,
    ]));
  });

  test('fails when a nested assembly is missing', () => {
    const dir = copyOfAssembly();
    fs.rmSync(path.join(dir, 'assembly-Prod'), { recursive: true });
    expect(() => readCloudAssembly(dir)).toThrow(new InvalidInput([
      `The nested cloud assembly "assembly-Prod" that "${path.join(dir, 'manifest.json')}" names has no manifest.json in "${path.join(dir, 'assembly-Prod')}": run cdk synth again to write the whole assembly.`,
    ]));
  });
});

describe('poolResourcesOf', () => {
  const notDeployed = () => undefined;

  test('resolves a split range before the pools are deployed: literal names as they are, generated names as placeholders', () => {
    const { resources, newPools } = poolResourcesOf(stack('Mail').template, notDeployed);
    expect(resources).toHaveLength(3);
    const transactional = resource(resources, 'Transactional');
    const marketing = resource(resources, 'Marketing');
    const whole = resource(resources, 'Whole');
    const marketingPlaceholder = NEW_POOL_PLACEHOLDER_PREFIX + marketing.poolLogicalId!.toLowerCase();
    const wholePlaceholder = NEW_POOL_PLACEHOLDER_PREFIX + whole.poolLogicalId!.toLowerCase();

    expect(transactional.poolLogicalId).toMatch(/^TransactionalDedicatedIpPool[0-9A-F]{8}$/);
    expect(transactional).toEqual({
      logicalId: transactional.logicalId,
      poolLogicalId: transactional.poolLogicalId,
      properties: {
        cidr: SPLIT_RANGE,
        poolName: 'transactional',
        warmup: 'LEAVE_AS_IS',
        adoptAddressesFromOtherPools: false,
        addresses: ['8.8.1.0/27'],
        siblings: [{ poolName: marketingPlaceholder, addresses: ['8.8.1.32/27', '8.8.1.64/26'] }],
      },
    });
    expect(marketing.properties).toEqual({
      cidr: SPLIT_RANGE,
      poolName: marketingPlaceholder,
      warmup: 'LEAVE_AS_IS',
      adoptAddressesFromOtherPools: false,
      addresses: ['8.8.1.32/27', '8.8.1.64/26'],
      siblings: [{ poolName: 'transactional', addresses: ['8.8.1.0/27'] }],
    });
    expect(whole.properties).toEqual({ cidr: WHOLE_RANGE, poolName: wholePlaceholder, warmup: 'LEAVE_AS_IS', adoptAddressesFromOtherPools: false });
    expect(new Map(newPools)).toEqual(new Map([[marketingPlaceholder, marketing.poolLogicalId], [wholePlaceholder, whole.poolLogicalId]]));
    expect(marketingPlaceholder).toMatch(POOL_NAME);
  });

  test('resolves generated names through resolve once the pools are deployed; a literal name does not ask', () => {
    const template = stack('Mail').template;
    const marketingPool = resource(poolResourcesOf(template, notDeployed).resources, 'Marketing').poolLogicalId!;
    const resolve = jest.fn((logicalId: string) => (logicalId === marketingPool ? 'marketingdedicatedippool-x1y2z3' : undefined));
    const { resources, newPools } = poolResourcesOf(template, resolve);
    expect(resource(resources, 'Transactional').properties?.siblings).toEqual([{ poolName: 'marketingdedicatedippool-x1y2z3', addresses: ['8.8.1.32/27', '8.8.1.64/26'] }]);
    expect(resource(resources, 'Marketing').properties?.poolName).toBe('marketingdedicatedippool-x1y2z3');
    expect([...newPools.values()]).toEqual([resource(resources, 'Whole').poolLogicalId]);
    expect(resolve.mock.calls.map(([id]) => id).every((id) => !id.startsWith('Transactional'))).toBe(true);
  });

  test('resolves the pool of a Stage\'s stack', () => {
    const { resources, newPools } = poolResourcesOf(stack('Prod/Mail').template, notDeployed);
    expect(resources.map((r) => r.properties)).toEqual([{ cidr: '8.8.4.0/24', poolName: 'prod', warmup: 'LEAVE_AS_IS', adoptAddressesFromOtherPools: false }]);
    expect(newPools.size).toBe(0);
  });

  test('leaves a pool named by an import unresolved, and says why', () => {
    const { resources } = poolResourcesOf(stack('Imported').template, () => 'deployed-name');
    expect(resources).toHaveLength(1);
    const [pool] = resources;
    expect(pool.properties).toBeUndefined();
    expect(pool.poolLogicalId).toMatch(/^PoolDedicatedIpPool/);
    expect(pool.unresolved).toBe(
      `The property PoolName of ${pool.logicalId} (Custom::SesByoipPoolAddresses) holds {"Ref":"${pool.poolLogicalId}"}, a Ref to ${pool.poolLogicalId}, whose PoolName is not a literal string: ` +
      'only strings, a Ref to an AWS::SES::DedicatedIpPool of the same stack, and Fn::Join of those can be read from the template.',
    );
  });

  test('finds nothing in a template without pools', () => {
    expect(poolResourcesOf(stack('Agnostic').template, notDeployed)).toEqual({ resources: [], newPools: new Map() });
    expect(poolResourcesOf({}, notDeployed).resources).toEqual([]);
  });

  /** The Mail template with the Marketing custom resource's properties changed by `edit`. */
  type Edit = (properties: Record<string, unknown>, resource: Record<string, unknown>) => void;
  function editedMarketing(edit: Edit): { template: Template; logicalId: string } {
    const template = JSON.parse(JSON.stringify(stack('Mail').template)) as { Resources: Record<string, Record<string, unknown>> };
    const logicalId = Object.keys(template.Resources).find((id) => id.startsWith('MarketingPoolAddresses'))!;
    edit(template.Resources[logicalId].Properties as Record<string, unknown>, template.Resources[logicalId]);
    return { template, logicalId };
  }

  test.each([
    ['an import', 'Cidr', { 'Fn::ImportValue': 'range' }, 'holds {"Fn::ImportValue":"range"}, which uses Fn::ImportValue'],
    ['a Fn::GetAtt', 'Warmup', { 'Fn::GetAtt': ['Some', 'Thing'] }, 'holds {"Fn::GetAtt":["Some","Thing"]}, which uses Fn::GetAtt'],
    ['a parameter', 'PoolName', { Ref: 'BootstrapVersion' }, 'holds {"Ref":"BootstrapVersion"}, a Ref to the parameter BootstrapVersion'],
    ['a pseudo parameter', 'Cidr', { 'Fn::Join': ['', [{ Ref: 'AWS::Region' }, '/24']] }, 'holds {"Ref":"AWS::Region"}, a Ref to the pseudo parameter AWS::Region'],
    ['a Ref to an unknown pool', 'SiblingClaims', [{ 'Fn::Join': ['', [{ Ref: 'GonePool' }, '|8.8.1.0/27']] }], 'holds {"Ref":"GonePool"}, a Ref to GonePool, which the template does not define'],
    ['a Ref to a resource that is not a pool', 'PoolName', { Ref: 'SesByoipPoolAddressesProviderframeworkonEvent225FDD20' },
      'a Ref to SesByoipPoolAddressesProviderframeworkonEvent225FDD20, which is a "AWS::Lambda::Function", not an AWS::SES::DedicatedIpPool'],
    ['a list given as a token', 'Addresses', { 'Fn::Split': [',', '8.8.1.32/27'] }, 'which uses Fn::Split'],
    ['a malformed Fn::Join', 'Cidr', { 'Fn::Join': ['', 'x'] }, 'a malformed Fn::Join'],
  ])('leaves a resource unresolved when a property is %s', (_, property, value, why) => {
    const { template, logicalId } = editedMarketing((properties) => {
      properties[property] = value;
    });
    const resources = poolResourcesOf(template, notDeployed).resources;
    const marketing = resources.find((r) => r.logicalId === logicalId)!;
    expect(marketing.properties).toBeUndefined();
    expect(marketing.unresolved).toContain(`The property ${property} of ${logicalId} (Custom::SesByoipPoolAddresses) `);
    expect(marketing.unresolved).toContain(why);
    expect(marketing.unresolved).toMatch(/can be read from the template\.$/);
    // The others are still resolved.
    expect(resources.filter((r) => r.logicalId !== logicalId).every((r) => r.properties !== undefined)).toBe(true);
  });

  test('leaves a resource with invalid properties unresolved, with the handler\'s own reason', () => {
    const { template, logicalId } = editedMarketing((properties) => {
      properties.Warmup = 'SOMETIMES';
    });
    const marketing = poolResourcesOf(template, notDeployed).resources.find((r) => r.logicalId === logicalId)!;
    expect(marketing.unresolved).toBe(
      `The resource ${logicalId} (Custom::SesByoipPoolAddresses) has invalid properties: The custom resource property Warmup must be one of ${Object.values(WarmupMode).join(', ')}, got "SOMETIMES".`,
    );
  });

  test('leaves a resource under a condition unresolved', () => {
    const { template, logicalId } = editedMarketing((_, res) => {
      res.Condition = 'IsProd';
    });
    const marketing = poolResourcesOf(template, notDeployed).resources.find((r) => r.logicalId === logicalId)!;
    expect(marketing.unresolved).toBe(
      `The resource ${logicalId} (Custom::SesByoipPoolAddresses) exists only under the condition "IsProd", which the template alone does not decide.`,
    );
  });

  test('gives long logical IDs, and IDs that differ only in case, distinct valid placeholders', () => {
    const long = `Very${'Long'.repeat(20)}DedicatedIpPool12345678`;
    const template: Template = {
      Resources: {
        [long]: { Type: 'AWS::SES::DedicatedIpPool', Properties: {} },
        PoolA: { Type: 'AWS::SES::DedicatedIpPool', Properties: {} },
        Poola: { Type: 'AWS::SES::DedicatedIpPool', Properties: {} },
        Addresses: {
          Type: 'Custom::SesByoipPoolAddresses',
          Properties: {
            Cidr: SPLIT_RANGE,
            PoolName: { Ref: long },
            Warmup: 'LEAVE_AS_IS',
            AdoptAddressesFromOtherPools: 'false',
            Addresses: ['8.8.1.0/26'],
            SiblingClaims: [
              { 'Fn::Join': ['', [{ Ref: 'PoolA' }, '|8.8.1.64/26']] },
              { 'Fn::Join': ['|', [{ Ref: 'Poola' }, '8.8.1.128/26']] },
            ],
          },
        },
      },
    };
    const { resources, newPools } = poolResourcesOf(template, notDeployed);
    const [only] = resources;
    expect(only.unresolved).toBeUndefined();
    const names = [only.properties!.poolName, ...only.properties!.siblings!.map((s) => s.poolName)];
    expect(new Set(names).size).toBe(3);
    for (const name of names) {
      expect(name).toMatch(POOL_NAME);
      expect(name.startsWith(NEW_POOL_PLACEHOLDER_PREFIX)).toBe(true);
    }
    expect(names.map((name) => newPools.get(name))).toEqual([long, 'PoolA', 'Poola']);
    // The same logical IDs give the same placeholders on every call.
    expect(poolResourcesOf(template, notDeployed).newPools).toEqual(newPools);
  });
});

function catchInvalidInput(work: () => unknown): InvalidInput {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInput);
    return error as InvalidInput;
  }
  throw new Error('expected an InvalidInput, got none');
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

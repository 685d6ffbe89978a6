import * as http from 'http';
import { AddressInfo } from 'net';
import {
  CloudFormationClient,
  DescribeStacksCommand,
  GetTemplateCommand,
  ListStackResourcesCommand,
  ResourceStatus,
  StackResourceSummary,
  StackStatus,
} from '@aws-sdk/client-cloudformation';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { poolResourcesOf } from '../../src/cli/cloud-assembly';
import { callerAccount, createStackReadClients, readDeployedStack } from '../../src/cli/deployed-stacks';

const cfn = mockClient(CloudFormationClient);
const sts = mockClient(STSClient);
const credentials = { accessKeyId: 'a', secretAccessKey: 'b' };
const cfnClient = () => new CloudFormationClient({ region: 'eu-west-1', credentials });
const stsClient = () => new STSClient({ region: 'eu-west-1', credentials });

const STACK_ID = 'arn:aws:cloudformation:eu-west-1:111122223333:stack/Mail/0b1c2d3e';

/** A deployed template as the CDK deploys it: a split range, one pool with a literal name, one generated. */
const TEMPLATE = {
  Resources: {
    TransactionalPool: { Type: 'AWS::SES::DedicatedIpPool', Properties: { PoolName: 'transactional', ScalingMode: 'STANDARD' } },
    MarketingPool: { Type: 'AWS::SES::DedicatedIpPool', Properties: { ScalingMode: 'STANDARD' } },
    TransactionalAddresses: {
      Type: 'Custom::SesByoipPoolAddresses',
      Properties: {
        ServiceToken: { 'Fn::GetAtt': ['ProviderframeworkonEvent', 'Arn'] },
        ServiceTimeout: '3600',
        Cidr: '8.8.1.0/24',
        PoolName: { Ref: 'TransactionalPool' },
        Warmup: 'LEAVE_AS_IS',
        AdoptAddressesFromOtherPools: 'false',
        Addresses: ['8.8.1.0/27'],
        SiblingClaims: [{ 'Fn::Join': ['', [{ Ref: 'MarketingPool' }, '|8.8.1.32/27']] }],
      },
    },
    MarketingAddresses: {
      Type: 'Custom::SesByoipPoolAddresses',
      Properties: {
        ServiceToken: { 'Fn::GetAtt': ['ProviderframeworkonEvent', 'Arn'] },
        ServiceTimeout: '3600',
        Cidr: '8.8.1.0/24',
        PoolName: { Ref: 'MarketingPool' },
        Warmup: 'LEAVE_AS_IS',
        AdoptAddressesFromOtherPools: 'false',
        Addresses: ['8.8.1.32/27'],
        SiblingClaims: [{ 'Fn::Join': ['', [{ Ref: 'TransactionalPool' }, '|8.8.1.0/27']] }],
      },
    },
  },
};

function summary(logicalId: string, type: string, physicalId: string | undefined, status: `${ResourceStatus}` = 'CREATE_COMPLETE'): StackResourceSummary {
  return {
    LogicalResourceId: logicalId,
    ResourceType: type,
    PhysicalResourceId: physicalId,
    ResourceStatus: status,
    LastUpdatedTimestamp: new Date(0),
  };
}

function describes(status: `${StackStatus}`): void {
  cfn.on(DescribeStacksCommand, { StackName: 'Mail' }).resolves({
    Stacks: [{ StackName: 'Mail', StackId: STACK_ID, StackStatus: status, CreationTime: new Date(0) }],
  });
}

beforeEach(() => {
  cfn.reset();
  sts.reset();
});

describe('readDeployedStack', () => {
  test('reads every page of resources and the original template, by the stack\'s ARN', async () => {
    describes('UPDATE_COMPLETE');
    cfn.on(ListStackResourcesCommand, { StackName: STACK_ID, NextToken: undefined }).resolves({
      StackResourceSummaries: [
        summary('TransactionalPool', 'AWS::SES::DedicatedIpPool', 'transactional'),
        summary('MarketingPool', 'AWS::SES::DedicatedIpPool', 'marketingpool-x1y2z3'),
      ],
      NextToken: 'page-2',
    });
    cfn.on(ListStackResourcesCommand, { StackName: STACK_ID, NextToken: 'page-2' }).resolves({
      StackResourceSummaries: [
        summary('TransactionalAddresses', 'Custom::SesByoipPoolAddresses', 'transactional|8.8.1.0/24'),
        summary('MarketingAddresses', 'Custom::SesByoipPoolAddresses', 'marketingpool-x1y2z3|8.8.1.0/24', 'UPDATE_FAILED'),
      ],
    });
    cfn.on(GetTemplateCommand, { StackName: STACK_ID, TemplateStage: 'Original' }).resolves({ TemplateBody: JSON.stringify(TEMPLATE) });

    const deployed = await readDeployedStack(cfnClient(), 'Mail');
    expect(cfn.commandCalls(ListStackResourcesCommand)).toHaveLength(2);
    expect(deployed).toEqual({
      stackName: 'Mail',
      stackId: STACK_ID,
      status: 'UPDATE_COMPLETE',
      createdAfreshOnDeploy: false,
      template: TEMPLATE,
      physicalIds: new Map([
        ['TransactionalPool', 'transactional'],
        ['MarketingPool', 'marketingpool-x1y2z3'],
        ['TransactionalAddresses', 'transactional|8.8.1.0/24'],
        ['MarketingAddresses', 'marketingpool-x1y2z3|8.8.1.0/24'],
      ]),
      poolAddresses: new Map([
        ['TransactionalAddresses', {
          logicalId: 'TransactionalAddresses',
          physicalId: 'transactional|8.8.1.0/24',
          poolAndRange: { poolName: 'transactional', cidr: '8.8.1.0/24' },
          status: 'CREATE_COMPLETE',
        }],
        ['MarketingAddresses', {
          logicalId: 'MarketingAddresses',
          physicalId: 'marketingpool-x1y2z3|8.8.1.0/24',
          poolAndRange: { poolName: 'marketingpool-x1y2z3', cidr: '8.8.1.0/24' },
          status: 'UPDATE_FAILED',
        }],
      ]),
    });

    // The deployed properties resolve with the deployed names.
    const { resources, newPools } = poolResourcesOf(deployed!.template, (id) => deployed!.physicalIds.get(id));
    expect(newPools.size).toBe(0);
    expect(resources.map((r) => [r.logicalId, r.properties?.poolName, r.properties?.siblings])).toEqual([
      ['TransactionalAddresses', 'transactional', [{ poolName: 'marketingpool-x1y2z3', addresses: ['8.8.1.32/27'] }]],
      ['MarketingAddresses', 'marketingpool-x1y2z3', [{ poolName: 'transactional', addresses: ['8.8.1.0/27'] }]],
    ]);
  });

  test('leaves out resources that are gone or have no physical ID yet, and a physical ID that names no pool', async () => {
    describes('UPDATE_ROLLBACK_FAILED');
    cfn.on(ListStackResourcesCommand).resolves({
      StackResourceSummaries: [
        summary('OldPool', 'AWS::SES::DedicatedIpPool', 'old', 'DELETE_COMPLETE'),
        summary('KeptPool', 'AWS::SES::DedicatedIpPool', 'kept', 'DELETE_SKIPPED'),
        summary('NewPool', 'AWS::SES::DedicatedIpPool', undefined, 'CREATE_IN_PROGRESS'),
        summary('FailedAddresses', 'Custom::SesByoipPoolAddresses', '2f1e4c8a-request-id', 'CREATE_FAILED'),
      ],
    });
    cfn.on(GetTemplateCommand).resolves({ TemplateBody: '{"Resources": {}}' });
    const deployed = await readDeployedStack(cfnClient(), 'Mail');
    expect(deployed?.status).toBe('UPDATE_ROLLBACK_FAILED');
    expect(deployed?.physicalIds).toEqual(new Map([['FailedAddresses', '2f1e4c8a-request-id']]));
    expect(deployed?.poolAddresses).toEqual(new Map([
      ['FailedAddresses', { logicalId: 'FailedAddresses', physicalId: '2f1e4c8a-request-id', status: 'CREATE_FAILED' }],
    ]));
  });

  test.each([
    ['REVIEW_IN_PROGRESS', true],
    ['ROLLBACK_COMPLETE', true],
    ['ROLLBACK_FAILED', true],
    ['UPDATE_ROLLBACK_COMPLETE', false],
    ['CREATE_COMPLETE', false],
  ] as const)('says whether cdk deploy creates a stack in %s afresh', async (status, afresh) => {
    describes(status);
    cfn.on(ListStackResourcesCommand).resolves({ StackResourceSummaries: [] });
    cfn.on(GetTemplateCommand).resolves({ TemplateBody: '{}' });
    expect((await readDeployedStack(cfnClient(), 'Mail'))?.createdAfreshOnDeploy).toBe(afresh);
  });

  test('returns undefined for a stack that does not exist', async () => {
    cfn.on(DescribeStacksCommand).rejects(Object.assign(new Error('Stack with id Mail does not exist'), { name: 'ValidationError' }));
    await expect(readDeployedStack(cfnClient(), 'Mail')).resolves.toBeUndefined();
    expect(cfn.commandCalls(ListStackResourcesCommand)).toHaveLength(0);
  });

  test('returns undefined for a stack deleted while it is read', async () => {
    describes('DELETE_IN_PROGRESS');
    cfn.on(ListStackResourcesCommand).rejects(Object.assign(new Error(`Stack with id ${STACK_ID} does not exist`), { name: 'ValidationError' }));
    cfn.on(GetTemplateCommand).resolves({ TemplateBody: '{}' });
    await expect(readDeployedStack(cfnClient(), 'Mail')).resolves.toBeUndefined();
  });

  test.each([
    ['AccessDenied on DescribeStacks', DescribeStacksCommand, Object.assign(new Error('User is not authorized to perform: cloudformation:DescribeStacks'), { name: 'AccessDenied' })],
    ['another ValidationError', DescribeStacksCommand, Object.assign(new Error('1 validation error detected: Value at \'stackName\' failed'), { name: 'ValidationError' })],
    ['a throttled ListStackResources', ListStackResourcesCommand, Object.assign(new Error('Rate exceeded'), { name: 'Throttling' })],
    ['AccessDenied on GetTemplate', GetTemplateCommand, Object.assign(new Error('User is not authorized to perform: cloudformation:GetTemplate'), { name: 'AccessDenied' })],
  ])('fails with the SDK\'s own error on %s', async (_, command, error) => {
    describes('UPDATE_COMPLETE');
    cfn.on(ListStackResourcesCommand).resolves({ StackResourceSummaries: [] });
    cfn.on(GetTemplateCommand).resolves({ TemplateBody: '{}' });
    cfn.on(command as typeof DescribeStacksCommand).rejects(error);
    await expect(readDeployedStack(cfnClient(), 'Mail')).rejects.toBe(error);
  });

  test('fails when DescribeStacks answers without the stack', async () => {
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [] });
    await expect(readDeployedStack(cfnClient(), 'Mail')).rejects.toThrow('CloudFormation DescribeStacks answered without the ID or status of stack Mail.');
  });

  test.each([
    ['YAML', 'Resources:\n  Pool:\n    Type: AWS::SES::DedicatedIpPool\n'],
    ['a JSON list', '[]'],
    ['missing', undefined],
  ])('fails when the deployed template is %s', async (_, body) => {
    describes('UPDATE_COMPLETE');
    cfn.on(ListStackResourcesCommand).resolves({ StackResourceSummaries: [] });
    cfn.on(GetTemplateCommand).resolves({ TemplateBody: body });
    await expect(readDeployedStack(cfnClient(), 'Mail')).rejects.toThrow(
      'The deployed template of stack Mail is not a JSON object (the CDK deploys JSON; was the stack deployed by another tool?): check that the app names the stack you meant.',
    );
  });
});

describe('callerAccount', () => {
  test('answers the account of the credentials', async () => {
    sts.on(GetCallerIdentityCommand).resolves({ Account: '111122223333', Arn: 'arn:aws:iam::111122223333:user/me', UserId: 'AIDA' });
    await expect(callerAccount(stsClient())).resolves.toBe('111122223333');
  });

  test('fails with the SDK\'s error, or when STS names no account', async () => {
    const expired = Object.assign(new Error('The security token included in the request is expired'), { name: 'ExpiredToken' });
    sts.on(GetCallerIdentityCommand).rejectsOnce(expired).resolves({});
    await expect(callerAccount(stsClient())).rejects.toBe(expired);
    await expect(callerAccount(stsClient())).rejects.toThrow('STS GetCallerIdentity answered without an account ID');
  });
});

describe('createStackReadClients', () => {
  test('creates both clients for the Region', async () => {
    const clients = createStackReadClients({ region: 'ap-south-1' });
    try {
      await expect(clients.cloudFormation.config.region()).resolves.toBe('ap-south-1');
      await expect(clients.sts.config.region()).resolves.toBe('ap-south-1');
      await expect(clients.cloudFormation.config.maxAttempts()).resolves.toBe(5);
    } finally {
      clients.destroy();
    }
  });
});

/**
 * The real clients over HTTP, against a local endpoint named by
 * AWS_ENDPOINT_URL_CLOUDFORMATION and AWS_ENDPOINT_URL_STS: what only the
 * wire shows (the endpoint overrides, CloudFormation's XML error for a
 * missing stack, a stalled answer).
 */
describe('over HTTP', () => {
  const ENV_NAMES = ['AWS_ENDPOINT_URL_CLOUDFORMATION', 'AWS_ENDPOINT_URL_STS', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE'];
  const saved = new Map(ENV_NAMES.map((name) => [name, process.env[name]]));
  let server: http.Server;
  let answer: (body: string, res: http.ServerResponse) => void;
  const requests: string[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        requests.push(new URLSearchParams(body).get('Action') ?? '?');
        answer(body, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    Object.assign(process.env, { AWS_ENDPOINT_URL_CLOUDFORMATION: url, AWS_ENDPOINT_URL_STS: url, AWS_ACCESS_KEY_ID: 'offline', AWS_SECRET_ACCESS_KEY: 'offline' });
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    for (const [name, value] of saved) {
      if (value === undefined) {
        delete process.env[name];
      } else {
        process.env[name] = value;
      }
    }
  });

  beforeEach(() => {
    // After the file's beforeEach, which mocks the clients again.
    cfn.restore();
    sts.restore();
    requests.length = 0;
  });

  test('reads the caller\'s account from STS, and a missing stack from CloudFormation\'s error', async () => {
    answer = (body, res) => {
      if (body.includes('Action=GetCallerIdentity')) {
        res.writeHead(200, { 'content-type': 'text/xml' }).end(
          '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>' +
          '<Arn>arn:aws:iam::111122223333:user/me</Arn><UserId>AIDA</UserId><Account>111122223333</Account>' +
          '</GetCallerIdentityResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>',
        );
      } else {
        res.writeHead(400, { 'content-type': 'text/xml' }).end(
          '<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type>' +
          '<Code>ValidationError</Code><Message>Stack with id Mail does not exist</Message></Error><RequestId>1</RequestId></ErrorResponse>',
        );
      }
    };
    const clients = createStackReadClients({ region: 'eu-west-1' });
    try {
      await expect(callerAccount(clients.sts)).resolves.toBe('111122223333');
      await expect(readDeployedStack(clients.cloudFormation, 'Mail')).resolves.toBeUndefined();
      expect(requests).toEqual(['GetCallerIdentity', 'DescribeStacks']);
    } finally {
      clients.destroy();
    }
  });

  test('gives up on a stalled answer after the request timeout', async () => {
    answer = () => {}; // never answers
    const clients = createStackReadClients({ region: 'eu-west-1', requestTimeoutMs: 100 });
    const started = Date.now();
    try {
      await expect(callerAccount(clients.sts)).rejects.toMatchObject({ name: 'TimeoutError' });
    } finally {
      clients.destroy();
    }
    // The SDK's 3 attempts of 100 ms each, with its backoff between them: not for ever.
    expect(requests).toEqual(['GetCallerIdentity', 'GetCallerIdentity', 'GetCallerIdentity']);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { PropagationGrace } from '../../src/handler/propagation';
import { readStackStatus } from '../../src/handler/stack-status';

const cfn = mockClient(CloudFormationClient);
const STACK = 'arn:aws:cloudformation:eu-west-1:111122223333:stack/Mail/1';
const client = () => new CloudFormationClient({ region: 'eu-west-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
const clock = { t: 0, now() { return this.t; }, async sleep(ms: number) { this.t += ms; }, random: () => 0.5 };

beforeEach(() => {
  cfn.reset();
  clock.t = 0;
});

test('reads the status of the stack it is given', async () => {
  cfn.on(DescribeStacksCommand, { StackName: STACK }).resolves({ Stacks: [{ StackName: 'Mail', StackStatus: 'UPDATE_ROLLBACK_IN_PROGRESS', CreationTime: new Date() }] });
  await expect(readStackStatus(client(), STACK)).resolves.toBe('UPDATE_ROLLBACK_IN_PROGRESS');
});

test('retries AccessDenied within the propagation grace, then answers', async () => {
  const denied = Object.assign(new Error('not authorized to perform: cloudformation:DescribeStacks'), { name: 'AccessDenied' });
  cfn.on(DescribeStacksCommand).rejectsOnce(denied).resolves({ Stacks: [{ StackName: 'Mail', StackStatus: 'UPDATE_IN_PROGRESS', CreationTime: new Date() }] });
  const logs: string[] = [];
  await expect(readStackStatus(client(), STACK, new PropagationGrace(clock, 60_000, (l) => logs.push(l)))).resolves.toBe('UPDATE_IN_PROGRESS');
  expect(logs).toHaveLength(1);
  expect(logs[0]).toContain(`CloudFormation DescribeStacks ${STACK} answered AccessDenied`);
});

test('fails when the answer holds no status, or on a final error', async () => {
  cfn.on(DescribeStacksCommand).resolvesOnce({ Stacks: [] }).rejects(Object.assign(new Error('Stack with id x does not exist'), { name: 'ValidationError' }));
  await expect(readStackStatus(client(), STACK)).rejects.toThrow(`DescribeStacks returned no status for ${STACK}`);
  await expect(readStackStatus(client(), STACK, new PropagationGrace(clock, 60_000, () => {}))).rejects.toThrow('does not exist');
});

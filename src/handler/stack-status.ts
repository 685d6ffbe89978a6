/**
 * The status of the handler's own stack, read with CloudFormation's
 * DescribeStacks: the only way to tell CloudFormation's rollback of an
 * update (UPDATE_ROLLBACK_IN_PROGRESS) from a forward update, and the
 * destruction of the stack (DELETE_IN_PROGRESS) from the cleanup of one
 * resource. The handler's role may call it on that one stack only.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { PropagationGrace, propagationDelayOf } from './propagation';

/** Reads the status of the stack `stackId` (an ARN); AccessDenied gets the propagation grace. */
export async function readStackStatus(client: CloudFormationClient, stackId: string, grace?: PropagationGrace): Promise<string> {
  for (;;) {
    try {
      const { Stacks } = await client.send(new DescribeStacksCommand({ StackName: stackId }));
      const status = Stacks?.[0]?.StackStatus;
      if (!status) {
        throw new Error(`DescribeStacks returned no status for ${stackId}`);
      }
      return status;
    } catch (error) {
      if (!(await grace?.retry(propagationDelayOf(error, false), `CloudFormation DescribeStacks ${stackId}`, error))) {
        throw error;
      }
    }
  }
}

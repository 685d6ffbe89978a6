/**
 * What `ses-byoip plan` reads from the live account, besides SES: which
 * account the credentials belong to (STS), and each deployed stack's
 * template, resources and status (CloudFormation), to resolve the deployed
 * properties of its BYOIP pools with `poolResourcesOf` as for the
 * synthesized ones:
 *
 *     const deployed = await readDeployedStack(cfn, stack.stackName);
 *     poolResourcesOf(deployed.template, (id) => deployed.physicalIds.get(id));
 *
 * Read-only: DescribeStacks, ListStackResources and GetTemplate, and
 * GetCallerIdentity (which needs no permission).
 */
import {
  CloudFormationClient,
  DescribeStacksCommand,
  GetTemplateCommand,
  ListStackResourcesCommand,
  StackResourceSummary,
} from '@aws-sdk/client-cloudformation';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { CLOUDFORMATION, STS, watchEndpoint } from './aws-endpoint';
import { Template } from './cloud-assembly';
import { parsePhysicalId, POOL_ADDRESSES_RESOURCE_TYPE, PoolAndRange } from '../handler/resource-properties';

/** How long to wait for a connection, and for a whole answer, by default. */
const CONNECTION_TIMEOUT_MS = 5_000;
const REQUEST_TIMEOUT_MS = 10_000;
/** CloudFormation throttles its own API (the CDK CLI polls it during a deploy): a few retries. */
const CLOUDFORMATION_ATTEMPTS = 5;

/** The CloudFormation and STS clients of one Region. */
export interface StackReadClients {
  readonly cloudFormation: CloudFormationClient;
  readonly sts: STSClient;
  /** Closes both clients' connections. */
  destroy(): void;
}

/**
 * Creates the CloudFormation and STS clients for `region` (or the Region of
 * the SDK's standard configuration when undefined). Credentials, Region and
 * endpoint overrides (AWS_ENDPOINT_URL_CLOUDFORMATION, AWS_ENDPOINT_URL_STS)
 * come from the SDK's standard configuration; a call that hangs, before or
 * after its headers, gives up after `requestTimeoutMs` (10 s by default)
 * instead of waiting for ever. The SDK retries throttling and transient
 * errors (CloudFormation up to 5 attempts); an endpoint that is not AWS's
 * (nothing listens, or something else answers) fails at once with an
 * EndpointProblem (aws-endpoint.ts).
 */
export function createStackReadClients(options: { readonly region?: string; readonly requestTimeoutMs?: number } = {}): StackReadClients {
  const requestTimeout = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  const requestHandler = {
    connectionTimeout: Math.min(CONNECTION_TIMEOUT_MS, requestTimeout),
    requestTimeout,
    throwOnRequestTimeout: true,
    socketTimeout: requestTimeout,
  };
  const cloudFormation = new CloudFormationClient({ region: options.region, maxAttempts: CLOUDFORMATION_ATTEMPTS, requestHandler });
  const sts = new STSClient({ region: options.region, requestHandler });
  // An endpoint that is not AWS's fails at once, in one line, without the SDK's retries.
  watchEndpoint(cloudFormation, CLOUDFORMATION);
  watchEndpoint(sts, STS);
  return {
    cloudFormation,
    sts,
    destroy: () => {
      cloudFormation.destroy();
      sts.destroy();
    },
  };
}

/**
 * The account that the credentials of `sts` belong to (STS
 * GetCallerIdentity): to check that a stack's account is the one the
 * command reads.
 *
 * @returns the 12-digit account ID
 * @throws the SDK's error if the call fails (no or expired credentials, network)
 */
export async function callerAccount(sts: STSClient): Promise<string> {
  const { Account } = await sts.send(new GetCallerIdentityCommand({}));
  if (!Account) {
    throw new Error('STS GetCallerIdentity answered without an account ID: check the endpoint that AWS_ENDPOINT_URL_STS or the AWS configuration names.');
  }
  return Account;
}

/** A deployed `Custom::SesByoipPoolAddresses` resource. */
export interface DeployedPoolAddresses {
  /** Its logical ID. */
  readonly logicalId: string;
  /** Its physical ID: "<pool name>|<cidr>" (see physicalIdOf). */
  readonly physicalId: string;
  /**
   * The pool and range that the physical ID names; undefined if it names
   * none (the Provider framework's ID of a CREATE that failed).
   */
  readonly poolAndRange?: PoolAndRange;
  /** Its CloudFormation status, e.g. CREATE_COMPLETE, UPDATE_FAILED. */
  readonly status: string;
}

/** A deployed stack, as CloudFormation has it. */
export interface DeployedStack {
  readonly stackName: string;
  /** The stack's ARN. */
  readonly stackId: string;
  /** The stack's status, e.g. UPDATE_COMPLETE, UPDATE_ROLLBACK_FAILED, UPDATE_IN_PROGRESS. */
  readonly status: string;
  /**
   * True when `cdk deploy` would create the stack afresh rather than update
   * it, as the CDK CLI does: a stack that a change set created but never
   * executed (REVIEW_IN_PROGRESS, which holds no resources), or whose
   * creation failed (ROLLBACK_COMPLETE, ROLLBACK_FAILED: the CLI deletes it
   * first, with whatever resources remain).
   */
  readonly createdAfreshOnDeploy: boolean;
  /** The deployed template (the original, as submitted). */
  readonly template: Template;
  /**
   * The physical ID of each resource that the stack holds, by logical ID
   * (resources already deleted, or skipped at deletion, are not held).
   * For an AWS::SES::DedicatedIpPool, its name: the `resolve` of
   * `poolResourcesOf`.
   */
  readonly physicalIds: ReadonlyMap<string, string>;
  /** The `Custom::SesByoipPoolAddresses` resources that the stack holds, by logical ID. */
  readonly poolAddresses: ReadonlyMap<string, DeployedPoolAddresses>;
}

/** Resource statuses of resources that the stack no longer holds. */
const GONE: ReadonlySet<string> = new Set(['DELETE_COMPLETE', 'DELETE_SKIPPED']);
/** Stack statuses that `cdk deploy` treats as "create the stack" (see DeployedStack.createdAfreshOnDeploy). */
const CREATED_AFRESH: ReadonlySet<string> = new Set(['REVIEW_IN_PROGRESS', 'ROLLBACK_COMPLETE', 'ROLLBACK_FAILED']);

/**
 * Reads the deployed stack `stackName`: its status (DescribeStacks), its
 * resources (ListStackResources, every page) and its template (GetTemplate,
 * the original). After DescribeStacks the other calls name the stack by its
 * ARN, so all three read the same stack.
 *
 * @returns the stack, or undefined if no stack of that name exists
 * @throws the SDK's error for any other failure; an Error if the deployed
 *   template is not a JSON object (the CDK deploys JSON)
 */
export async function readDeployedStack(cfn: CloudFormationClient, stackName: string): Promise<DeployedStack | undefined> {
  try {
    const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
    const stack = Stacks?.[0];
    if (!stack?.StackId || !stack.StackStatus) {
      throw new Error(`CloudFormation DescribeStacks answered without the ID or status of stack ${stackName}.`);
    }
    const stackId = stack.StackId;
    const [summaries, template] = await Promise.all([listResources(cfn, stackId), readTemplate(cfn, stackId, stackName)]);
    const physicalIds = new Map<string, string>();
    const poolAddresses = new Map<string, DeployedPoolAddresses>();
    for (const summary of summaries) {
      const { LogicalResourceId: logicalId, PhysicalResourceId: physicalId, ResourceStatus: status } = summary;
      if (!logicalId || !physicalId || !status || GONE.has(status)) {
        continue;
      }
      physicalIds.set(logicalId, physicalId);
      if (summary.ResourceType === POOL_ADDRESSES_RESOURCE_TYPE) {
        const poolAndRange = parsePhysicalId(physicalId);
        poolAddresses.set(logicalId, { logicalId, physicalId, ...(poolAndRange ? { poolAndRange } : {}), status });
      }
    }
    return {
      stackName,
      stackId,
      status: stack.StackStatus,
      createdAfreshOnDeploy: CREATED_AFRESH.has(stack.StackStatus),
      template,
      physicalIds,
      poolAddresses,
    };
  } catch (error) {
    if (isMissingStack(error)) {
      return undefined;
    }
    throw error;
  }
}

/** Every resource of the stack, following NextToken to the end. */
async function listResources(cfn: CloudFormationClient, stackId: string): Promise<StackResourceSummary[]> {
  const summaries: StackResourceSummary[] = [];
  let nextToken: string | undefined;
  do {
    const page = await cfn.send(new ListStackResourcesCommand({ StackName: stackId, NextToken: nextToken }));
    summaries.push(...(page.StackResourceSummaries ?? []));
    nextToken = page.NextToken || undefined;
  } while (nextToken);
  return summaries;
}

/** The stack's original template, parsed. */
async function readTemplate(cfn: CloudFormationClient, stackId: string, stackName: string): Promise<Template> {
  const { TemplateBody } = await cfn.send(new GetTemplateCommand({ StackName: stackId, TemplateStage: 'Original' }));
  let template: unknown;
  try {
    template = JSON.parse(TemplateBody ?? '');
  } catch {
    template = undefined;
  }
  if (typeof template !== 'object' || template === null || Array.isArray(template)) {
    throw new Error(
      `The deployed template of stack ${stackName} is not a JSON object (the CDK deploys JSON; was the stack deployed by another tool?): ` +
      'check that the app names the stack you meant.',
    );
  }
  return template as Template;
}

/** CloudFormation's answer for a stack that does not exist: ValidationError "Stack with id <name> does not exist". */
function isMissingStack(error: unknown): boolean {
  const { name, message } = (error ?? {}) as { name?: unknown; message?: unknown };
  return name === 'ValidationError' && typeof message === 'string' && message.includes('does not exist');
}

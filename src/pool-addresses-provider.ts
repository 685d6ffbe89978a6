import * as path from 'path';
import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { DEFAULT_POOL } from './handler/resource-properties';
import { WarmupMode } from './warmup-mode';

/** Where the bundled handler (src/handler) is, from src/ or lib/. */
const HANDLER_ASSET = path.join(__dirname, '..', 'assets', 'handler', 'index');

/**
 * The custom resource provider that moves BYOIP addresses into pools: one
 * per stack, shared by every ByoipSendingPool in it. Its permissions grow
 * with the pools it serves: it may move addresses only into those pools and
 * back into ses-default-dedicated-pool.
 */
export class PoolAddressesProvider extends Construct {
  /** The provider of the stack of `scope`, created on first use. */
  public static of(scope: Construct): PoolAddressesProvider {
    const stack = Stack.of(scope);
    const existing = stack.node.tryFindChild(PROVIDER_ID);
    return existing instanceof PoolAddressesProvider ? existing : new PoolAddressesProvider(stack, PROVIDER_ID);
  }

  /** What custom resources give CloudFormation as their ServiceToken. */
  public readonly serviceToken: string;

  private readonly role: iam.Role;
  private readonly moveStatement: iam.PolicyStatement;
  private warmupAllowed = false;

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    const stack = Stack.of(this);

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Moves SES BYOIP addresses into their dedicated IP pools (cdk-ses-byoip)',
    });
    // Where every address of the range is, in every pool: the handler must
    // see addresses in pools that are not its own to refuse to take them.
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['ses:GetDedicatedIps'],
      resources: [poolArn(stack, '*')],
    }));
    this.moveStatement = new iam.PolicyStatement({
      actions: ['ses:PutDedicatedIpInPool'],
      resources: [poolArn(stack, DEFAULT_POOL)],
    });
    this.role.addToPrincipalPolicy(this.moveStatement);

    const logGroup = new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.THREE_MONTHS });
    logGroup.grantWrite(this.role);

    const code = lambda.Code.fromAsset(HANDLER_ASSET);
    const handler = (name: string, entry: string, timeout: Duration, description: string) =>
      new lambda.Function(this, name, {
        code,
        handler: `index.${entry}`,
        runtime: lambda.determineLatestNodeRuntime(this),
        architecture: lambda.Architecture.ARM_64,
        memorySize: 256,
        timeout,
        role: this.role,
        logGroup,
        description,
      });

    const provider = new cr.Provider(this, 'Provider', {
      // Reads the range's state and fails fast; never writes.
      onEventHandler: handler('OnEvent', 'onEvent', Duration.minutes(5), 'Checks a BYOIP range before it is moved (cdk-ses-byoip)'),
      // Moves the addresses, stopping before its timeout and resuming on the next call.
      isCompleteHandler: handler('IsComplete', 'isComplete', Duration.minutes(10), 'Moves a BYOIP range into its pool (cdk-ses-byoip)'),
      queryInterval: Duration.seconds(10),
      // Under CloudFormation's one hour, so that the framework reports a
      // timeout itself (and the DELETE that follows puts addresses back).
      totalTimeout: Duration.minutes(55),
    });
    this.serviceToken = provider.serviceToken;
  }

  /** Lets the handler move addresses into `pool` (and set warm-up if asked). */
  public serve(pool: ses.IDedicatedIpPool, warmup: WarmupMode): void {
    this.moveStatement.addResources(poolArn(Stack.of(this), pool.dedicatedIpPoolName));
    if (warmup === WarmupMode.ALREADY_WARM && !this.warmupAllowed) {
      this.warmupAllowed = true;
      // SES has no resource type for this action: it can only be granted on "*".
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: ['ses:PutDedicatedIpWarmupAttributes'],
        resources: ['*'],
      }));
    }
  }
}

const PROVIDER_ID = 'SesByoipPoolAddresses';

function poolArn(stack: Stack, name: string): string {
  return stack.formatArn({ service: 'ses', resource: 'dedicated-ip-pool', resourceName: name });
}

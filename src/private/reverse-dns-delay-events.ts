import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';

/**
 * The delay type with which SES delays BYOIP mail when it cannot look up the
 * host name (PTR record) of the sending address. Only BYOIP addresses get it.
 */
export const BYOIP_HOSTNAME_DELAY_TYPE = 'BYOIPHostNameLookupUnavailable';

/**
 * The tag that SES adds to every message sent with a configuration set: in
 * an event record, `mail.tags['ses:configuration-set']` is a list holding the
 * set's name.
 */
export const CONFIGURATION_SET_TAG = 'ses:configuration-set';

/**
 * The EventBridge pattern of SES's delivery delays for want of a host name,
 * for mail sent with the configuration set `configurationSetName` only.
 *
 * SES publishes its sending events to the default bus with source `aws.ses`,
 * the detail-type `Email Delivery Delayed` and the event record as the detail.
 * A pattern's list matches a field if any of its values matches; on a list
 * field (`mail.tags[...]`), if any element of the event's list does.
 */
export function reverseDnsDelayPattern(configurationSetName: string): events.EventPattern {
  return {
    source: ['aws.ses'],
    detailType: ['Email Delivery Delayed'],
    detail: {
      eventType: ['DeliveryDelay'],
      deliveryDelay: { delayType: [BYOIP_HOSTNAME_DELAY_TYPE] },
      mail: { tags: { [CONFIGURATION_SET_TAG]: [configurationSetName] } },
    },
  };
}

/** The construct ID of a stack's CloudWatch Logs resource policy for EventBridge. */
const EVENT_LOGS_POLICY_ID = 'SesByoipEventLogsPolicy';

/** The statement of each such policy made by this copy of the library, to add log groups to. */
const eventLogsStatements = new WeakMap<logs.ResourcePolicy, iam.PolicyStatement>();

/**
 * A rule target that writes each event the rule matches, whole (as JSON),
 * into `logGroup`, with the permission EventBridge needs for it.
 *
 * EventBridge writes to CloudWatch Logs under a resource policy, never a role
 * (EventBridge User Guide, "Using resource-based policies for Amazon
 * EventBridge", CloudWatch Logs permissions). That policy belongs to the
 * account and Region, which hold at most 10 (CloudWatch Logs API Reference,
 * PutResourcePolicy), so a stack has one, `SesByoipEventLogsPolicy`, that
 * names every log group given here. Not aws-cdk-lib's
 * `targets.CloudWatchLogGroup`: it sets one policy per rule, through a
 * Lambda-backed custom resource (a function with a managed policy and a `*`
 * grant, which cdk-nag reports) that ByoipFunctions.configure does not shape.
 */
export function logGroupTarget(logGroup: logs.LogGroup): events.IRuleTarget {
  const stack = Stack.of(logGroup);
  let policy = stack.node.tryFindChild(EVENT_LOGS_POLICY_ID) as logs.ResourcePolicy | undefined;
  if (!policy) {
    policy = new logs.ResourcePolicy(stack, EVENT_LOGS_POLICY_ID);
  }
  let statement = eventLogsStatements.get(policy);
  if (!statement) {
    // The principals of the policy the EventBridge console sets (TrustEventsToStoreLogEvent).
    statement = new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('events.amazonaws.com'), new iam.ServicePrincipal('delivery.logs.amazonaws.com')],
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    });
    policy.document.addStatements(statement);
    eventLogsStatements.set(policy, statement);
  }
  // The log group's Arn attribute ends in ":*": its log streams.
  statement.addResources(logGroup.logGroupArn);
  const grant = policy;
  return {
    bind: (rule) => {
      rule.node.addDependency(grant);
      return {
        // The log group's own ARN, without ":*", as EventBridge takes it.
        arn: stack.formatArn({ service: 'logs', resource: 'log-group', arnFormat: ArnFormat.COLON_RESOURCE_NAME, resourceName: logGroup.logGroupName }),
        targetResource: logGroup,
      };
    },
  };
}

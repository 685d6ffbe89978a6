import { Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * The ARN of an SES resource of the stack of `scope`,
 * `arn:<partition>:ses:<region>:<account>:<resource>/<name>`
 * (aws-cdk-lib 2.257 exposes none for pools and configuration sets).
 */
export function sesArn(scope: IConstruct, resource: 'dedicated-ip-pool' | 'configuration-set' | 'identity', name: string): string {
  return Stack.of(scope).formatArn({ service: 'ses', resource, resourceName: name });
}

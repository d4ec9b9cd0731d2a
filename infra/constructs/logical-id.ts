import type { CfnResource } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Pins a stateful resource to the logical id it had when the stack created it directly, before the
 * stack was split into constructs. Logical ids follow the construct path, and a new one makes
 * CloudFormation replace the resource: a replaced table or queue starts empty.
 */
export function keepLogicalId(construct: IConstruct, logicalId: string): void {
  (construct.node.defaultChild as CfnResource).overrideLogicalId(logicalId);
}

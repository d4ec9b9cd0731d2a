import * as iam from 'aws-cdk-lib/aws-iam';

/** An Allow statement of exact actions on named resources; its sid says what the access is for. */
export function allow(sid: string, actions: string[], resources: string[]): iam.PolicyStatement {
  return new iam.PolicyStatement({ sid, actions, resources });
}

/** Adds such a statement to the grantee's own policy (for a NewsroomFunction, its role's default policy). */
export function grant(grantee: iam.IGrantable, sid: string, actions: string[], resources: string[]): void {
  grantee.grantPrincipal.addToPrincipalPolicy(allow(sid, actions, resources));
}

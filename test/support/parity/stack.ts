/**
 * The stack as `cdk synth` writes it, for the parity suite: synthesized once, offline, into a cdk.out
 * of its own under the checkout's .tmp/ (a bundle imports `@aws-sdk/*` from the node_modules above it,
 * as on Lambda it imports the runtime's copy), with each function's bundle folder, handler, template
 * environment and role policies read back from the written template, not from the constructs.
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createNewsroomApp } from '../../../infra/newsroom-app';

export type Json = unknown;
export interface CfnResource {
  Type: string;
  Properties?: Record<string, Json>;
  Metadata?: Record<string, Json>;
}
export interface Template {
  Resources: Record<string, CfnResource>;
}

export interface PolicyStatement {
  /** The policy resource's logical id and the statement's Sid (or its index), for the record. */
  policy: string;
  sid: string;
  actions: string[];
  /** Unresolved, as in the template. */
  resources: Json[];
  /**
   * The statement's Condition, by operator and key (`StringEquals` and `ForAllValues:StringEquals`
   * only, the ones the stack writes): a call is allowed only when its authorization's context
   * (aws-wire.ts) has the key with a value the condition names.
   */
  conditions?: Record<string, Record<string, string[]>>;
}

const MODELLED_CONDITIONS = ['StringEquals', 'ForAllValues:StringEquals'];

export interface StackFunction {
  logicalId: string;
  /** `write`, `read`, `projector`, `replay`, …: POWERTOOLS_SERVICE_NAME without `newsroom-`. */
  name: string;
  /** The template's Handler, `index.handler`. */
  handler: string;
  /** The bundle folder in cdk.out (the asset the template's Code names). */
  assetDir: string;
  memorySize: number;
  timeoutSeconds: number;
  /** The template's variables, unresolved. */
  environment: Record<string, Json>;
  roleLogicalId: string;
  statements: PolicyStatement[];
}

export interface SynthesizedStack {
  outdir: string;
  stackName: string;
  template: Template;
  functions: StackFunction[];
  remove(): void;
}

const root = new URL('../../../', import.meta.url).pathname;

/** Synthesizes the app (context as `cdk synth -c stage=<stage>`) with bundling, into `.tmp/<name>/cdk.out`. */
export function synthesizeStack(name: string, context: Record<string, string> = { stage: 'dev' }): SynthesizedStack {
  const base = join(root, '.tmp', name);
  rmSync(base, { recursive: true, force: true });
  mkdirSync(base, { recursive: true });
  const outdir = join(base, 'cdk.out');
  const { app, stack } = createNewsroomApp({ outdir, context });
  const assembly = app.synth();
  const artifact = assembly.getStackByName(stack.stackName);
  const template = JSON.parse(readFileSync(join(outdir, artifact.templateFile), 'utf8')) as Template;
  return {
    outdir,
    stackName: stack.stackName,
    template,
    functions: functionsOf(template, outdir),
    remove: () => rmSync(base, { recursive: true, force: true }),
  };
}

function functionsOf(template: Template, outdir: string): StackFunction[] {
  const out: StackFunction[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const p = resource.Properties as Record<string, Json>;
    const env = ((p.Environment as { Variables?: Record<string, Json> } | undefined)?.Variables ?? {}) as Record<string, Json>;
    const service = env.POWERTOOLS_SERVICE_NAME;
    // CDK's own helper functions (log retention, custom resources) are not the newsroom's.
    if (typeof service !== 'string' || !service.startsWith('newsroom-')) continue;
    const code = p.Code as { S3Key?: string };
    const hash = /^([0-9a-f]{64})\.zip$/.exec(code.S3Key ?? '')?.[1];
    if (!hash) throw new Error(`${logicalId}: Code is not a bundled asset: ${JSON.stringify(code)}`);
    const role = (p.Role as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt']?.[0];
    if (!role) throw new Error(`${logicalId}: Role is not a role of the stack`);
    out.push({
      logicalId,
      name: service.slice('newsroom-'.length),
      handler: String(p.Handler),
      assetDir: join(outdir, `asset.${hash}`),
      memorySize: Number(p.MemorySize ?? 128),
      timeoutSeconds: Number(p.Timeout ?? 3),
      environment: env,
      roleLogicalId: role,
      statements: statementsOfRole(template, role),
    });
  }
  return out;
}

/** Every statement of every policy attached to the role (its inline and managed policies must be none: they are not modelled). */
export function statementsOfRole(template: Template, roleLogicalId: string): PolicyStatement[] {
  const role = template.Resources[roleLogicalId]!;
  for (const key of ['Policies', 'ManagedPolicyArns', 'PermissionsBoundary']) {
    if (role.Properties?.[key] !== undefined) throw new Error(`${roleLogicalId} has ${key}, which the parity suite does not model`);
  }
  const statements: PolicyStatement[] = [];
  for (const [policyId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::IAM::Policy') continue;
    const roles = (resource.Properties?.Roles ?? []) as Json[];
    if (!roles.some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleLogicalId }))) continue;
    const document = resource.Properties?.PolicyDocument as { Statement: Record<string, Json>[] };
    document.Statement.forEach((s, i) => {
      const condition = (s.Condition ?? {}) as Record<string, Record<string, Json>>;
      if (s.Effect !== 'Allow' || Object.keys(condition).some((op) => !MODELLED_CONDITIONS.includes(op)) || 'NotAction' in s || 'NotResource' in s) {
        throw new Error(`${policyId}: a statement the parity suite does not model: ${JSON.stringify(s)}`);
      }
      statements.push({
        policy: policyId,
        sid: typeof s.Sid === 'string' ? s.Sid : `#${i}`,
        actions: ([] as Json[]).concat(s.Action) as string[],
        resources: ([] as Json[]).concat(s.Resource),
        ...(s.Condition === undefined
          ? {}
          : {
              conditions: Object.fromEntries(
                Object.entries(condition).map(([op, keys]) => [
                  op,
                  Object.fromEntries(Object.entries(keys).map(([k, v]) => [k, ([] as Json[]).concat(v).map(String)])),
                ]),
              ),
            }),
      });
    });
  }
  return statements;
}

/**
 * Resolves CloudFormation intrinsics (Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select) against `refs`
 * (a logical id, or a pseudo parameter like AWS::Region → its value) and `attributes` (`Id.Attr` →
 * value). Anything it cannot resolve throws: an environment variable or an ARN the suite would
 * otherwise guess is exactly the mistake it is there to catch.
 */
export function resolveIntrinsics(value: Json, refs: Record<string, string>, attributes: Record<string, string>): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const v = value as Record<string, Json>;
  const again = (x: Json) => resolveIntrinsics(x, refs, attributes);
  if (typeof v.Ref === 'string') {
    const resolved = refs[v.Ref];
    if (resolved === undefined) throw new Error(`cannot resolve { Ref: ${v.Ref} }`);
    return resolved;
  }
  if (Array.isArray(v['Fn::GetAtt'])) {
    const key = (v['Fn::GetAtt'] as string[]).join('.');
    const resolved = attributes[key];
    if (resolved === undefined) throw new Error(`cannot resolve { Fn::GetAtt: ${key} }`);
    return resolved;
  }
  if (Array.isArray(v['Fn::Join'])) {
    const [separator, parts] = v['Fn::Join'] as [string, Json[]];
    return parts.map(again).join(separator);
  }
  if (Array.isArray(v['Fn::Select'])) {
    const [index, list] = v['Fn::Select'] as [number, Json];
    const items = Array.isArray(list) ? list.map(again) : again(list).split(',');
    return items[Number(index)]!;
  }
  if (v['Fn::Sub'] !== undefined) {
    const [text, vars] = (Array.isArray(v['Fn::Sub']) ? v['Fn::Sub'] : [v['Fn::Sub'], {}]) as [string, Record<string, Json>];
    return text.replace(/\$\{([^}!]+)\}/g, (_, name: string) => {
      if (name in vars) return again(vars[name]);
      return name.includes('.') ? again({ 'Fn::GetAtt': name.split('.') }) : again({ Ref: name });
    });
  }
  throw new Error(`cannot resolve ${JSON.stringify(value)}`);
}

import type { Stack } from 'aws-cdk-lib';
import { CfnResource } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';

type Json = unknown;
interface Resource {
  Type: string;
  Properties?: Record<string, Json>;
  DependsOn?: string | string[];
}

/** The logical id the template uses, an id pinned with overrideLogicalId included (stack.getLogicalId ignores those). */
export function logicalId(stack: Stack, construct: IConstruct): string {
  const cfn = construct instanceof CfnResource ? construct : construct.node.defaultChild;
  if (!(cfn instanceof CfnResource)) throw new Error(`${construct.node.path} has no CloudFormation resource`);
  return stack.resolve(cfn.logicalId) as string;
}

function resources(template: Template): Record<string, Resource> {
  return template.toJSON().Resources as Record<string, Resource>;
}

/**
 * Every grant given to a role, as { resourceName: sortedActions }. Resource tokens are turned into
 * readable names through `names` (logical id → name), e.g. `{"Fn::GetAtt":["EventsTable…","Arn"]}`
 * → `events`, a Join of the views ARN and `/index/byTimeline` → `views/index/byTimeline`.
 * A conditional grant is named with its condition: `<resource> if <condition as JSON>`.
 * Fails on Deny statements, which these assertions do not model.
 */
export function grantsOfRole(template: Template, roleLogicalId: string, names: Record<string, string>): Record<string, string[]> {
  const grants: Record<string, Set<string>> = {};
  for (const resource of Object.values(resources(template))) {
    if (resource.Type !== 'AWS::IAM::Policy') continue;
    const roles = (resource.Properties?.Roles ?? []) as Json[];
    if (!roles.some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleLogicalId }))) continue;
    const document = resource.Properties?.PolicyDocument as { Statement: Record<string, Json>[] };
    for (const statement of document.Statement) {
      if (statement.Effect !== 'Allow') throw new Error(`unexpected statement ${JSON.stringify(statement)}`);
      const actions = ([] as Json[]).concat(statement.Action) as string[];
      const condition = statement.Condition === undefined ? '' : ` if ${JSON.stringify(statement.Condition)}`;
      for (const target of ([] as Json[]).concat(statement.Resource)) {
        const name = resourceName(target, names) + condition;
        grants[name] ??= new Set();
        for (const action of actions) grants[name].add(action);
      }
    }
  }
  return Object.fromEntries(Object.entries(grants).map(([name, actions]) => [name, [...actions].sort()]));
}

function resourceName(token: Json, names: Record<string, string>): string {
  if (typeof token === 'string') return token;
  const t = token as Record<string, Json>;
  if (Array.isArray(t['Fn::GetAtt'])) {
    const [id, attribute] = t['Fn::GetAtt'] as [string, string];
    const base = names[id] ?? id;
    return attribute === 'Arn' ? base : `${base}.${attribute}`;
  }
  if (Array.isArray(t['Fn::Join'])) {
    const [, parts] = t['Fn::Join'] as [string, Json[]];
    return parts.map((p) => resourceName(p, names)).join('');
  }
  if (typeof t.Ref === 'string') return `\${${names[t.Ref] ?? t.Ref}}`;
  return JSON.stringify(token);
}

/**
 * Every action an Allow statement grants, in every policy document of the template (identity and
 * resource policies). Deny statements (e.g. the TLS-only `sqs:*` deny on the queue) grant nothing.
 */
export function allAllowedActions(template: Template): string[] {
  const actions: string[] = [];
  const visit = (value: Json): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') {
      const statement = value as Record<string, Json>;
      if (statement.Effect === 'Allow' && ('Action' in statement || 'NotAction' in statement)) {
        // NotAction in an Allow is a wildcard in disguise: report it as one.
        if ('NotAction' in statement) actions.push('NotAction:*');
        actions.push(...([] as string[]).concat((statement.Action ?? []) as string));
        return;
      }
      Object.values(statement).forEach(visit);
    }
  };
  for (const resource of Object.values(resources(template))) {
    visit(resource.Properties?.PolicyDocument);
    visit(resource.Properties?.AssumeRolePolicyDocument);
  }
  return actions;
}

/** Resource logical ids that form a dependency cycle (Ref, Fn::GetAtt, Fn::Sub, DependsOn), or []. */
export function dependencyCycle(template: Template): string[] {
  const all = resources(template);
  const edges = new Map<string, Set<string>>();
  const refs = (value: Json, into: Set<string>): void => {
    if (Array.isArray(value)) value.forEach((v) => refs(v, into));
    else if (value && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        if (key === 'Ref' && typeof child === 'string' && child in all) into.add(child);
        else if (key === 'Fn::GetAtt' && Array.isArray(child) && String(child[0]) in all) into.add(String(child[0]));
        else if (key === 'Fn::Sub') {
          const text = Array.isArray(child) ? String(child[0]) : String(child);
          for (const m of text.matchAll(/\$\{([A-Za-z0-9]+)(?:\.[^}]*)?\}/g)) if (m[1]! in all) into.add(m[1]!);
          if (Array.isArray(child)) refs(child[1], into);
        } else refs(child, into);
      }
    }
  };
  for (const [id, resource] of Object.entries(all)) {
    const out = new Set<string>();
    refs(resource.Properties, out);
    for (const d of ([] as string[]).concat(resource.DependsOn ?? [])) out.add(d);
    edges.set(id, out);
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (id: string): string[] => {
    if (state.get(id) === 'done') return [];
    if (state.get(id) === 'visiting') return [...path.slice(path.indexOf(id)), id];
    state.set(id, 'visiting');
    path.push(id);
    for (const next of edges.get(id) ?? []) {
      const cycle = visit(next);
      if (cycle.length > 0) return cycle;
    }
    path.pop();
    state.set(id, 'done');
    return [];
  };
  for (const id of edges.keys()) {
    const cycle = visit(id);
    if (cycle.length > 0) return cycle;
  }
  return [];
}

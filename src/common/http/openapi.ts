import type { INestApplication, Type } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import { ParseUUIDPipe } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { getMetadataStorage } from 'class-validator';
import type { OpenAPIObject } from '@nestjs/swagger';
import { IS_PUBLIC, ROLES, SERVICE_TOKEN } from '../decorators/auth.decorators.js';
import { RATE_LIMIT_BUCKET, type RateLimitBucket } from '../decorators/rate-limit.decorator.js';
import { ERROR_CODES, type ErrorCode } from '../errors/error-codes.js';
import { ERROR_CODES_EXTENSION, ErrorBodyDto, errorExample } from './api-errors.decorator.js';

// @nestjs/swagger exports the document type only; its parts are derived from it.
interface ReferenceObject {
  $ref: string;
}
type OperationObject = NonNullable<OpenAPIObject['paths'][string]['get']>;
type ParameterObject = Exclude<NonNullable<OperationObject['parameters']>[number], ReferenceObject>;
type ResponseObject = Exclude<OperationObject['responses'][string], ReferenceObject>;
type SchemaObject = Exclude<NonNullable<NonNullable<OpenAPIObject['components']>['schemas']>[string], ReferenceObject>;

/** What the guards and pipes of one handler enforce, read from its decorators. */
export interface RouteFacts {
  isPublic: boolean;
  /** undefined: any signed-in user (or no role check at all on a public route) */
  roles: string[] | undefined;
  serviceToken: 'required' | 'allowed' | undefined;
  /** the stricter named limit of `@RateLimit()`, on top of the per-IP limit of every route */
  rateLimit: RateLimitBucket | undefined;
  /** path parameters that go through ParseUUIDPipe */
  uuidParams: string[];
  /** the classes of its @Body() and @Query() parameters */
  bodyType: Type | undefined;
  queryType: Type | undefined;
}

/** Schema keywords a DTO class adds to its component (rules no property decorator can say). */
const SCHEMA_RULES = new Map<string, SchemaObject>();

/** Adds schema-level rules to a DTO's component, e.g. `anyOf` of required fields. */
export const ApiSchemaRules =
  (rules: SchemaObject): ClassDecorator =>
  (target) => {
    SCHEMA_RULES.set(target.name, rules);
  };

const PASSWORD_FIELDS = Symbol('openapi:password-fields');

/**
 * Marks a password field that the password policy judges: `finalizeOpenApi` gives it the
 * policy's schema (`DocumentRules.password`), built from the running configuration.
 */
export const ApiPasswordPolicy = (): PropertyDecorator => (target, property) => {
  const own = (Reflect.getOwnMetadata(PASSWORD_FIELDS, target) ?? []) as (string | symbol)[];
  Reflect.defineMetadata(PASSWORD_FIELDS, [...own, property], target);
};

/** The password fields of a DTO class, inherited ones included. */
function passwordFieldsOf(type: Type): string[] {
  const fields: string[] = [];
  for (
    let proto = type.prototype as object | null;
    proto !== null;
    proto = Object.getPrototypeOf(proto) as object | null
  ) {
    const own = (Reflect.getOwnMetadata(PASSWORD_FIELDS, proto) ?? []) as (string | symbol)[];
    fields.push(...own.filter((p): p is string => typeof p === 'string'));
  }
  return fields;
}

/** Rules the document states that come from the configuration, not from decorators. */
export interface DocumentRules {
  /** The password policy as schema keywords (minLength, maxLength, pattern). */
  password?: SchemaObject;
}

const ALL_ROLES = 3;
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'] as const;

/** Codes any route can answer, whatever it does: rate limit, internal error, a dependency down. */
const ALWAYS: ErrorCode[] = ['COMMON_1029', 'COMMON_1500', 'COMMON_1503'];
/** Codes of a route that takes a JSON body (validation, malformed JSON, size, media type). */
const WITH_BODY: ErrorCode[] = ['COMMON_1000', 'COMMON_1400', 'COMMON_1413', 'COMMON_1415'];
/** Codes of a route behind the bearer guard: missing, expired or revoked token, deactivated user. */
const WITH_BEARER: ErrorCode[] = ['COMMON_1001', 'USER_1002', 'USER_1005', 'USER_1006'];
/** Statuses whose answers carry Retry-After. */
const RETRY_AFTER: Record<number, string> = {
  423: 'seconds until the lock ends',
  429: 'seconds until the limit resets',
};

/** Reads every controller handler's guard and pipe metadata, keyed by Swagger's operation id. */
export function collectRouteFacts(app: INestApplication): Map<string, RouteFacts> {
  const facts = new Map<string, RouteFacts>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type | null;
      if (controller === null || typeof controller !== 'function') continue;
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        if (name === 'constructor') continue;
        const handler = (controller.prototype as Record<string, unknown>)[name];
        if (typeof handler !== 'function') continue;
        const read = <T>(key: string): T | undefined =>
          (Reflect.getMetadata(key, handler) ?? Reflect.getMetadata(key, controller)) as T | undefined;
        facts.set(`${controller.name}_${name}`, {
          isPublic: read<boolean>(IS_PUBLIC) === true,
          roles: read<string[]>(ROLES),
          serviceToken: read<'required' | 'allowed'>(SERVICE_TOKEN),
          rateLimit: read<RateLimitBucket>(RATE_LIMIT_BUCKET),
          uuidParams: uuidParamsOf(controller, name),
          bodyType: argTypeOf(controller, name, RouteParamtypes.BODY),
          queryType: argTypeOf(controller, name, RouteParamtypes.QUERY),
        });
      }
    }
  }
  return facts;
}

type RouteArgs = Record<string, { index: number; data?: unknown; pipes?: unknown[] }>;

const routeArgsOf = (controller: Type, method: string): RouteArgs =>
  (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, method) ?? {}) as RouteArgs;

/** The declared class of the handler's whole-body or whole-query parameter (a DTO), if any. */
function argTypeOf(controller: Type, method: string, kind: RouteParamtypes): Type | undefined {
  const arg = Object.entries(routeArgsOf(controller, method)).find(
    ([key, a]) => key.startsWith(`${kind}:`) && a.data === undefined,
  )?.[1];
  if (arg === undefined) return undefined;
  const types = (Reflect.getMetadata('design:paramtypes', controller.prototype as object, method) ?? []) as unknown[];
  const type = types[arg.index];
  return typeof type === 'function' && type !== Object ? (type as Type) : undefined;
}

function uuidParamsOf(controller: Type, method: string): string[] {
  return Object.entries(routeArgsOf(controller, method))
    .filter(([key, arg]) => key.startsWith(`${RouteParamtypes.PARAM}:`) && typeof arg.data === 'string')
    .filter(([, arg]) => (arg.pipes ?? []).some((pipe) => pipe instanceof ParseUUIDPipe))
    .map(([, arg]) => arg.data as string);
}

interface Constraint {
  name?: string;
  propertyName: string;
  constraints?: unknown[];
  /** `{ each: true }`: the rule is about every item of an array, not the array. */
  each?: boolean;
}

/** class-validator's rules of one DTO class (inherited ones included), by property. */
function constraintsOf(type: Type): Map<string, Constraint[]> {
  const byProperty = new Map<string, Constraint[]>();
  for (const rule of getMetadataStorage().getTargetValidationMetadatas(type, '', true, false) as Constraint[]) {
    byProperty.set(rule.propertyName, [...(byProperty.get(rule.propertyName) ?? []), rule]);
  }
  return byProperty;
}

/**
 * A pattern as other regex dialects read it: `\p{Cc}` inside a character class becomes the
 * ranges it stands for; a pattern with any other `\p{...}` is not portable and is left out.
 */
function portablePattern(source: string): string | undefined {
  const out = source.replaceAll('\\p{Cc}', '\\u0000-\\u001F\\u007F-\\u009F');
  return out.includes('\\p{') || out.includes('\\P{') ? undefined : out;
}

/**
 * Fills in what the validators of a field enforce and its `@ApiProperty` does not say, so
 * the document cannot be looser than the validation: patterns, lengths, bounds, integers,
 * enums, and `nullable` where `IsOptional` lets null through. What the decorator says
 * explicitly is kept.
 */
function applyValidation(schema: SchemaObject, rules: Constraint[], inBody: boolean): void {
  const items =
    schema.type === 'array' && schema.items !== undefined && !isRef(schema.items) ? schema.items : undefined;
  for (const rule of rules) {
    if (rule.each === true && schema.type === 'array') {
      // A rule on each item describes the items (an enum on the array itself would be invalid).
      if (items !== undefined) applyValidation(items, [{ ...rule, each: false }], false);
      continue;
    }
    const [first] = rule.constraints ?? [];
    switch (rule.name ?? '') {
      case 'matches': {
        const source = first instanceof RegExp ? first.source : typeof first === 'string' ? first : undefined;
        const pattern = source === undefined ? undefined : portablePattern(source);
        if (schema.pattern === undefined && pattern !== undefined) schema.pattern = pattern;
        break;
      }
      case 'minLength':
        if (schema.minLength === undefined && typeof first === 'number') schema.minLength = first;
        break;
      case 'maxLength':
        if (schema.maxLength === undefined && typeof first === 'number') schema.maxLength = first;
        break;
      case 'min':
        if (schema.minimum === undefined && typeof first === 'number') schema.minimum = first;
        break;
      case 'max':
        if (schema.maximum === undefined && typeof first === 'number') schema.maximum = first;
        break;
      case 'isInt':
        if (schema.type === 'number') schema.type = 'integer';
        break;
      case 'isIn':
        if (schema.enum === undefined && Array.isArray(first)) schema.enum = first;
        break;
      case 'isUuid':
        if (schema.format === undefined) schema.format = 'uuid';
        break;
      default:
        break;
    }
  }
  // IsOptional skips every rule for null as well as for a missing field.
  if (inBody && schema.nullable === undefined && rules.some((rule) => rule.name === 'isOptional')) {
    schema.nullable = true;
    const values = (schema.enum ?? []) as unknown[];
    if (schema.enum !== undefined && !values.includes(null)) schema.enum = [...values, null];
  }
}

/** The DTO class a property's `@ApiProperty({ type })` names, for nested bodies. */
function nestedTypeOf(type: Type, property: string): Type | undefined {
  const options = Reflect.getMetadata('swagger/apiModelProperties', type.prototype as object, property) as
    { type?: unknown } | undefined;
  const named = Array.isArray(options?.type) ? (options.type[0] as unknown) : options?.type;
  return typeof named === 'function' &&
    getMetadataStorage().getTargetValidationMetadatas(named, '', true, false).length > 0
    ? (named as Type)
    : undefined;
}

function applyValidationToComponent(
  schemas: Record<string, SchemaObject | ReferenceObject>,
  type: Type,
  rules: DocumentRules,
  seen = new Set<Type>(),
): void {
  if (seen.has(type)) return;
  seen.add(type);
  const component = schemas[type.name];
  if (component === undefined || isRef(component)) return;
  for (const field of passwordFieldsOf(type)) {
    const schema = component.properties?.[field];
    if (schema !== undefined && !isRef(schema) && rules.password !== undefined) Object.assign(schema, rules.password);
  }
  for (const [property, constraints] of constraintsOf(type)) {
    const schema = component.properties?.[property];
    if (schema !== undefined && !isRef(schema)) applyValidation(schema, constraints, true);
    const nested = nestedTypeOf(type, property);
    if (nested !== undefined) applyValidationToComponent(schemas, nested, rules, seen);
  }
}

const isRef = (v: unknown): v is ReferenceObject => typeof v === 'object' && v !== null && '$ref' in v;

/**
 * Makes the generated document say exactly what the service does, so a client (or a fuzzer)
 * can rely on it:
 * - security per route from the guards' metadata (public, bearer, service token);
 * - `format: uuid` on path parameters that are parsed as UUIDs;
 * - every error status a route can answer, each with the error body of contract §1 and the exact
 *   `error_code`s (the route's own, from `@ApiErrors`, plus those its guards and pipes imply);
 * - closed object schemas (`additionalProperties: false`): request bodies refuse unknown
 *   fields (forbidNonWhitelisted), and responses are built by whitelisting mappers;
 * - a body whose fields are all optional may be left out;
 * - password fields (`@ApiPasswordPolicy()`) carry the configured policy (`rules.password`).
 */
export function finalizeOpenApi(
  document: OpenAPIObject,
  facts: Map<string, RouteFacts>,
  rules: DocumentRules = {},
): OpenAPIObject {
  const schemas = (document.components?.schemas ?? {}) as Record<string, SchemaObject | ReferenceObject>;
  closeObjectSchemas(schemas);
  for (const [name, rules] of SCHEMA_RULES) {
    const schema = schemas[name];
    if (schema !== undefined && !isRef(schema)) Object.assign(schema, rules);
  }
  const errorRef = `#/components/schemas/${ErrorBodyDto.name}`;

  for (const item of Object.values(document.paths)) {
    for (const method of METHODS) {
      const op = item[method] as (OperationObject & Record<string, unknown>) | undefined;
      if (op === undefined) continue;
      const fact = facts.get(op.operationId ?? '');
      // Not one of ours by its id (e.g. a route with several paths): left as generated.
      if (fact === undefined) continue;

      op.security = securityOf(fact);
      const params = (op.parameters ?? []).filter((p): p is ParameterObject => !isRef(p));
      const queryRules = fact.queryType === undefined ? new Map<string, Constraint[]>() : constraintsOf(fact.queryType);
      for (const p of params) {
        if (p.in === 'path' && fact.uuidParams.includes(p.name)) p.schema = { type: 'string', format: 'uuid' };
        const rules = p.in === 'query' ? queryRules.get(p.name) : undefined;
        if (rules !== undefined && p.schema !== undefined && !isRef(p.schema)) applyValidation(p.schema, rules, false);
      }
      if (fact.bodyType !== undefined) applyValidationToComponent(schemas, fact.bodyType, rules);

      const codes = new Set<ErrorCode>((op[ERROR_CODES_EXTENSION] as ErrorCode[] | undefined) ?? []);
      ALWAYS.forEach((c) => codes.add(c));
      if (op.requestBody !== undefined) WITH_BODY.forEach((c) => codes.add(c));
      // Any query or path string is validated (a UUID, a pattern, a bound, no NUL character).
      if (params.some((p) => p.in === 'query' || p.in === 'path')) codes.add('COMMON_1000');
      if (!fact.isPublic) {
        if (fact.serviceToken !== 'required') WITH_BEARER.forEach((c) => codes.add(c));
        codes.add('COMMON_1001');
        if (fact.roles !== undefined && fact.roles.length < ALL_ROLES) codes.add('COMMON_1003');
      }
      op[ERROR_CODES_EXTENSION] = [...codes].sort();
      setErrorResponses(op, [...codes], errorRef);
      op.description = describeOperation(op, fact);

      if (op.requestBody !== undefined && !isRef(op.requestBody)) {
        const schema = op.requestBody.content['application/json']?.schema;
        const resolved = isRef(schema) ? schemas[schema.$ref.split('/').pop() ?? ''] : schema;
        if (resolved !== undefined && !isRef(resolved) && (resolved.required ?? []).length === 0) {
          op.requestBody.required = false;
        }
      }
    }
  }
  return document;
}

function securityOf(fact: RouteFacts): Record<string, string[]>[] {
  if (fact.isPublic) return [];
  if (fact.serviceToken === 'required') return [{ 'service-token': [] }];
  if (fact.serviceToken === 'allowed') return [{ bearer: [] }, { 'service-token': [] }];
  return [{ bearer: [] }];
}

const BUCKETS: Record<RateLimitBucket, string> = {
  login: 'RATE_LIMIT_LOGIN_PER_MINUTE per client IP (the login bucket)',
  register: 'RATE_LIMIT_REGISTER_PER_HOUR per client IP (the sign-up bucket)',
};

/**
 * The operation's description: its own (`@ApiOperation({ description })`, else its summary),
 * then who may call it and the rate limits it is under, read from the same metadata the
 * guards read, so the text cannot drift from what they enforce.
 */
function describeOperation(op: OperationObject, fact: RouteFacts): string {
  const own = (op.description ?? op.summary ?? '').trim();
  const lines = own === '' ? [] : [/[.!?]$/.test(own) ? own : `${own}.`];
  lines.push(`Access: ${accessOf(fact)}.`);
  const limits = ['RATE_LIMIT_PER_MINUTE per client IP'];
  if (fact.rateLimit !== undefined) limits.push(BUCKETS[fact.rateLimit]);
  lines.push(`Rate limits: ${limits.join('; ')}; over a limit: 429 COMMON_1029 with Retry-After.`);
  return lines.join('\n\n');
}

function accessOf(fact: RouteFacts): string {
  if (fact.isPublic) return 'public, no credentials';
  if (fact.serviceToken === 'required') return 'services only, with `X-Service-Token`';
  const who =
    fact.roles === undefined || fact.roles.length >= ALL_ROLES
      ? 'any signed-in user'
      : `a signed-in ${fact.roles.join(' or ')} (otherwise 403 COMMON_1003)`;
  const service = fact.serviceToken === 'allowed' ? ', or a service with `X-Service-Token`' : '';
  return `a bearer access token of ${who}${service}`;
}

function setErrorResponses(op: OperationObject, codes: ErrorCode[], errorRef: string): void {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const status = ERROR_CODES[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    const response: ResponseObject = {
      description: list.map((c) => `${c}: ${ERROR_CODES[c].message}`).join('; '),
      content: {
        'application/json': {
          schema: { allOf: [{ $ref: errorRef }, { type: 'object', properties: { error_code: { enum: list } } }] },
          // One example per code: its body as the error filter writes it.
          examples: Object.fromEntries(
            list.map((c) => [c, { summary: ERROR_CODES[c].message, value: errorExample(c) }]),
          ),
        },
      },
    };
    const retry = RETRY_AFTER[status];
    if (retry !== undefined) {
      response.headers = {
        'Retry-After': { description: retry, required: true, schema: { type: 'string', pattern: '^[0-9]+$' } },
      };
    }
    op.responses[String(status)] = response;
  }
}

/** Object schemas without an explicit `additionalProperties` are closed. */
function closeObjectSchemas(schemas: Record<string, SchemaObject | ReferenceObject>): void {
  for (const schema of Object.values(schemas)) {
    if (isRef(schema)) continue;
    if (schema.properties !== undefined && schema.additionalProperties === undefined) {
      schema.additionalProperties = false;
    }
  }
}

/**
 * The module graph's rules (docs/architecture.md, "Where does X live"), checked on the
 * compiled output by `npm run lint` (dependency-cruiser 16 reads JavaScript; the TypeScript 6
 * sources are compiled first). Type-only imports are gone after compilation: the rules speak
 * of the graph that runs.
 */
const MODULE = '^dist/src/modules/([^/]+)/';

/** What a feature module offers the others: its Nest module, services, entities, DTOs, mappers and pure rules. */
const PUBLIC =
  '(\\.module|\\.service|\\.decorators|\\.entity|\\.mapper|\\.policy|\\.registry|\\.notifier|-publisher|-events|token-hash)\\.js$|/dto/';

/**
 * The feature modules from the bottom up: a module may use those before it, never those
 * after it, so the graph of modules (not only of files) has no cycle.
 */
const LAYERS = [
  ['audit', '^dist/src/modules/audit/'],
  ['events', '^dist/src/modules/events/'],
  ['mail', '^dist/src/modules/mail/'],
  ['lockout', '^dist/src/modules/lockout/'],
  ['sessions', '^dist/src/modules/sessions/'],
  ['auth/passwords', '^dist/src/modules/auth/passwords/'],
  ['users', '^dist/src/modules/users/'],
  ['auth/mfa', '^dist/src/modules/auth/mfa/'],
  ['auth', '^dist/src/modules/auth/(?!passwords/|mfa/)'],
  ['oidc', '^dist/src/modules/oidc/'],
  ['compat', '^dist/src/modules/compat/'],
  ['profile-extras', '^dist/src/modules/profile-extras/'],
  ['health', '^dist/src/modules/health/'],
  ['pages', '^dist/src/modules/pages/'],
];

const layerRules = LAYERS.slice(0, -1).map(([name, path], i) => ({
  name: `layer-${name.replace('/', '-')}`,
  severity: 'error',
  comment: `${name} may not use a module above it (${LAYERS.slice(i + 1)
    .map(([n]) => n)
    .join(', ')}).`,
  from: { path },
  to: { path: LAYERS.slice(i + 1).map(([, p]) => p) },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'The module graph is a DAG: a cycle means two modules are one, or a seam is in the wrong place.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'module-public-surface',
      severity: 'error',
      comment:
        'A feature module uses another only through what it offers (PUBLIC): never its repositories, controllers, guards or internals.',
      from: { path: MODULE },
      to: { path: '^dist/src/modules/', pathNot: [`${MODULE.replace('([^/]+)', '$1')}`, PUBLIC] },
    },
    {
      name: 'services-use-repositories',
      severity: 'error',
      comment: 'Services reach the database through their repositories (and the transaction runner), not TypeORM.',
      from: { path: '\\.service\\.js$' },
      to: { path: 'node_modules/typeorm/' },
    },
    {
      name: 'common-stays-common',
      severity: 'error',
      comment: 'common/ is shared by every module and imports none of them.',
      from: { path: '^dist/src/common/' },
      to: { path: '^dist/src/modules/' },
    },
    {
      name: 'metrics-import-no-feature',
      severity: 'error',
      comment: 'Metrics are defined in metrics/ and incremented by the features, never the other way round.',
      from: { path: '^dist/src/metrics/' },
      to: { path: '^dist/src/modules/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.spec\\.js$' },
  },
};

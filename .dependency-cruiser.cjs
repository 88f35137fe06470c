/**
 * The architecture's rules (docs/ARCHITECTURE.md), checked by `npm run check`. Each rule is a
 * "never" of the design. The restructure (issue 16) is moving the code into the target house;
 * every "never" of DESIGN §1–2 is a rule here.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle makes two modules one; break it by moving what both need below them.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'connectors-stand-alone',
      severity: 'error',
      comment:
        'Connectors get fetch, a rate budget and a token store injected; they never reach into the app.',
      from: { path: '^connectors/' },
      to: { path: '^(src|workers|sandboxes|migrations)/' },
    },
    {
      name: 'sandboxes-stand-alone',
      severity: 'error',
      comment: "The fake CRMs speak the vendors' HTTP only; they share no code with what they fake for.",
      from: { path: '^sandboxes/' },
      to: { path: '^(src|workers|connectors|migrations)/' },
    },
    {
      name: 'only-app-imports-workers-and-sandboxes',
      severity: 'error',
      comment:
        'src/app is the top of the house: only it loads the workers and the fake CRMs and wires them to the flow. ' +
        'Below it they are handed down; a type-only import loads nothing and is allowed.',
      from: { path: '^src/', pathNot: '^src/app/' },
      to: { path: '^(workers|sandboxes)/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'sandboxes-load-lazily',
      severity: 'error',
      comment:
        'Only `salesops sandbox` and `salesops demo` load the fake CRMs, with a dynamic import() in their action, ' +
        'so no other command (nor --help) pays for them.',
      from: { path: '^src/app/' },
      to: { path: '^sandboxes/', dependencyTypesNot: ['dynamic-import', 'type-only'] },
    },
    {
      name: 'workers-never-import-app',
      severity: 'error',
      comment:
        'Workers are thin adapters below the top: they call the flow, never the entry points, the CLI or the fake CRMs.',
      from: { path: '^workers/' },
      to: { path: '^(src/app|src/cli|sandboxes)/' },
    },
    {
      name: 'migrations-import-only-kysely',
      severity: 'error',
      comment: 'A migration must mean the same forever, whatever the app code becomes.',
      from: { path: '^migrations/' },
      to: { path: '^(src|workers|connectors|sandboxes)/' },
    },
    {
      name: 'product-never-imports-tests',
      severity: 'error',
      comment: 'Tests and benchmarks may import the product, not the other way round.',
      from: { path: '^(src|workers|connectors|sandboxes|migrations)/' },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'no-stage-imports-another',
      severity: 'error',
      comment:
        "Stages meet only in the warehouse: a stage reads another's results from its tables, never its code " +
        '(definitions several stages need live on the ground floor).',
      from: { path: '^src/(pull|route|metrics|comp|push|schedule|alerts)/' },
      to: { path: '^src/(pull|route|metrics|comp|push|schedule|alerts)/', pathNot: '^src/$1/' },
    },
    {
      name: 'ground-imports-nothing-above',
      severity: 'error',
      comment:
        'The ground floor (config, logger, db, calendar, connections, warehouse, observability, people) is what everything stands on; ' +
        'if it imported a stage, a surface or the top, every change up there would shake the whole house.',
      from: {
        path: '^src/((calendar|connections|warehouse|observability|people)/|(config|logger|db|migrate|redis|domain-error|service-check|yaml-problems)\\.ts$)',
      },
      to: {
        path: '^(src/(pull|route|metrics|comp|push|schedule|alerts|imports|reports|cli|api|app|demo)/|workers/|sandboxes/)',
      },
    },
    {
      name: 'imports-and-reports-below-the-surfaces',
      severity: 'error',
      comment:
        'Import rules and documents are shared by every surface (CLI today, the HTTP API next): they never speak one surface.',
      from: { path: '^src/(imports|reports)/' },
      to: { path: '^(src/(cli|api|app|demo)/|workers/)' },
    },
    {
      name: 'surfaces-hold-no-sql',
      severity: 'error',
      comment:
        'cli/, api/ and demo/ parse, call and render; every query lives in src/warehouse or a stage ' +
        '(test/warehouse/sql-ownership.test.ts also scans them for query-builder calls).',
      from: { path: '^src/(cli|api|demo)/' },
      to: { path: '(^|/)node_modules/(kysely|pg)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|coverage|salesops-demo)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
};

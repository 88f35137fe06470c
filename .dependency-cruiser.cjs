/**
 * The architecture's rules (docs/ARCHITECTURE.md), checked by `npm run check`. Each rule is a
 * "never" of the design. The restructure (issue 16) is moving the code into the target house;
 * the rules still to come are listed at the end, and join `forbidden` as the code meets them.
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
    // Still to come with issue 16 (known violations today, see docs/ARCHITECTURE.md "Known debts"):
    // no stage (pull, route, metrics, comp, push) imports another;
    // the ground (config, logger, db, calendar, warehouse) imports nothing above it; cli/ and api/
    // hold no SQL.
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|coverage|salesops-demo)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
};

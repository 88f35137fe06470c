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
      name: 'sandboxes-only-from-sandbox-and-demo',
      severity: 'error',
      comment: 'Only `salesops sandbox` and `salesops demo` load the fake CRMs (lazily); never the flow.',
      from: { path: '^(src|workers|connectors)/', pathNot: '^src/(cli/sandbox-command\\.ts|demo/)' },
      to: { path: '^sandboxes/' },
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
    // only src/app imports workers/; no stage (pull, route, metrics, comp, push) imports another;
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

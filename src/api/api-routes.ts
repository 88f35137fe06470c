import { registerAuditRoutes } from './audit-routes.js';
import type { RegisterRoutes } from './build-api.js';
import { registerCompRoutes } from './comp-routes.js';
import { registerConnectionRoutes } from './connection-routes.js';
import { registerImportRoutes } from './import-routes.js';
import { registerReportRoutes } from './report-routes.js';
import { registerRoutingRoutes } from './routing-routes.js';
import { registerRunRoutes } from './run-routes.js';

/** Every resource group of the API, in the order /docs lists them. */
export const API_ROUTES: readonly RegisterRoutes[] = [
  registerConnectionRoutes,
  registerRunRoutes,
  registerReportRoutes,
  registerImportRoutes,
  registerRoutingRoutes,
  registerCompRoutes,
  registerAuditRoutes,
];

/** A fake HubSpot portal served over HubSpot's CRM v3 API, for tests, benchmarks and the demo. */
export type {
  AccountDetails,
  SandboxGoal,
  SandboxOwner,
  SandboxPipeline,
  SandboxStage,
  Team,
} from './generate-portal.js';
export type { OAuthCredentials } from './oauth-tokens.js';
export type { PropertyDefinition, PropertyGroupDefinition } from './property-catalog.js';
export type {
  HubspotSandbox,
  HubspotSandboxData,
  HubspotSandboxOptions,
  RequestRecord,
} from './sandbox-api.js';
export type { HistoryEntry, ObjectType, SandboxRecord } from './sandbox-record.js';
export { startHubspotSandbox } from './start-hubspot-sandbox.js';

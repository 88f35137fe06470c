import { DomainError } from '../domain-error.js';

/**
 * A stored connection whose CRM this build has no connector for. It lives beside the stored
 * connections, not in the connector factory (src/app), so the workers' error policy can name it
 * as permanent without importing the top of the house.
 */
export class UnsupportedConnectorError extends DomainError {
  override readonly name = 'UnsupportedConnectorError';
}

/** `/account-info/v3/details`, `/crm/v3/owners` and `/crm/v3/pipelines/deals`. */

import { probabilityString, type SandboxOwner } from '../generate-portal.js';
import { notFound, validationError } from '../hubspot-errors.js';
import { iso } from '../sandbox-record.js';
import { decodeAfter, encodeAfter, fromError, type RouteRequest, type RouteResponse } from './route-types.js';

export function accountDetails(req: RouteRequest): RouteResponse {
  return { status: 200, body: req.portal.account };
}

function ownerToWire(owner: SandboxOwner): Record<string, unknown> {
  const wire: Record<string, unknown> = {
    id: owner.id,
    email: owner.email,
    type: 'PERSON',
    firstName: owner.firstName,
    lastName: owner.lastName,
    userIdIncludingInactive: owner.userId,
    createdAt: iso(owner.createdAt),
    updatedAt: iso(owner.updatedAt),
    archived: owner.archivedAt !== null,
    teams: owner.teams,
  };
  // A deactivated user keeps only `userIdIncludingInactive`.
  if (owner.archivedAt === null) wire['userId'] = owner.userId;
  return wire;
}

/** Owners page by `after` (opaque), `limit` up to 500, and list archived owners only on request. */
export function listOwners(req: RouteRequest): RouteResponse {
  const archived = req.url.searchParams.get('archived') === 'true';
  const email = req.url.searchParams.get('email');
  const limit = parseLimit(req.url.searchParams.get('limit'), 100, 500);
  if (limit === null) return fromError(validationError('limit must be a positive integer'));
  const owners = req.portal.owners
    .filter((o) => (o.archivedAt !== null) === archived)
    .filter((o) => email === null || o.email === email.toLowerCase())
    .sort((a, b) => Number(a.id) - Number(b.id));
  const afterParam = req.url.searchParams.get('after');
  const afterId = afterParam === null ? null : decodeAfter(afterParam);
  if (afterParam !== null && afterId === null)
    return fromError(validationError(`Invalid after: ${afterParam}`));
  const start = afterId === null ? 0 : owners.findIndex((o) => Number(o.id) >= Number(afterId));
  const from = start < 0 ? owners.length : start;
  const page = owners.slice(from, from + limit);
  const next = owners[from + limit];
  const body: Record<string, unknown> = { results: page.map(ownerToWire) };
  if (next) {
    const after = encodeAfter(next.id);
    body['paging'] = { next: { after, link: `${req.baseUrl}/crm/v3/owners/?after=${after}` } };
  }
  return { status: 200, body };
}

export function getOwner(req: RouteRequest, id: string): RouteResponse {
  const archived = req.url.searchParams.get('archived') === 'true';
  const owner = req.portal.owners.find((o) => o.id === id && (o.archivedAt !== null) === archived);
  return owner ? { status: 200, body: ownerToWire(owner) } : fromError(notFound(`No owner with id ${id}`));
}

export function listPipelines(req: RouteRequest, objectType: string, pipelineId?: string): RouteResponse {
  if (objectType !== 'deals' && objectType !== '0-3') return { status: 200, body: { results: [] } };
  const wire = req.portal.pipelines.map((p) => ({
    id: p.id,
    label: p.label,
    displayOrder: p.displayOrder,
    createdAt: iso(p.createdAt),
    updatedAt: iso(p.createdAt),
    archived: false,
    stages: p.stages.map((s) => ({
      id: s.id,
      label: s.label,
      displayOrder: s.displayOrder,
      metadata: { isClosed: String(s.isClosed), probability: probabilityString(s.probability) },
      createdAt: iso(p.createdAt),
      updatedAt: iso(p.createdAt),
      archived: false,
      writePermissions: 'CRM_PERMISSIONS_ENFORCEMENT',
    })),
  }));
  if (pipelineId === undefined) return { status: 200, body: { results: wire } };
  const one = wire.find((p) => p.id === pipelineId);
  return one ? { status: 200, body: one } : fromError(notFound(`Unable to find pipeline ${pipelineId}`));
}

export function parseLimit(raw: string | null, fallback: number, max: number): number | null {
  if (raw === null) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) return null;
  return Math.min(n, max);
}

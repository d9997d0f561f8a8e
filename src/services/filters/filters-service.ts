/** Stored sync filters (client-server API, "Filtering"). Filter IDs are per user. */
import { MatrixError } from "../../core/errors";
import type { FilterRepo } from "../../storage/repos/filters";
import { type SyncFilter, zSyncFilter } from "./filter-schema";

export interface FiltersService {
  /** Validates and stores a filter; returns its ID. Throws M_BAD_JSON for an invalid filter. */
  createFilter(requester: string, userId: string, filter: unknown): string;
  /** Throws 404 M_NOT_FOUND for an unknown filter, 403 M_FORBIDDEN for another user's. */
  getFilter(requester: string, userId: string, filterId: string): Record<string, unknown>;
  /** For /sync: a stored filter, or null. */
  loadFilter(userId: string, filterId: string): SyncFilter | null;
}

function zodMessage(issues: { path: PropertyKey[]; message: string }[]): string {
  return issues
    .slice(0, 5)
    .map((i) => (i.path.length ? `${i.path.map(String).join(".")}: ${i.message}` : i.message))
    .join("; ");
}

export function createFiltersService(deps: { filters: FilterRepo }): FiltersService {
  const own = (requester: string, userId: string) => {
    if (requester !== userId) throw MatrixError.forbidden("Cannot use filters of other users");
  };
  const parseId = (filterId: string) => (/^\d{1,15}$/.test(filterId) ? Number(filterId) : null);
  return {
    createFilter(requester, userId, filter) {
      own(requester, userId);
      const r = zSyncFilter.safeParse(filter);
      if (!r.success) throw MatrixError.badJson(`Invalid filter: ${zodMessage(r.error.issues)}`);
      return String(deps.filters.insert(userId, JSON.stringify(filter)));
    },
    getFilter(requester, userId, filterId) {
      own(requester, userId);
      const id = parseId(filterId);
      const json = id === null ? null : deps.filters.select(userId, id);
      if (json === null) throw MatrixError.notFound("No such filter");
      return JSON.parse(json) as Record<string, unknown>;
    },
    loadFilter(userId, filterId) {
      const id = parseId(filterId);
      const json = id === null ? null : deps.filters.select(userId, id);
      if (json === null) return null;
      const r = zSyncFilter.safeParse(JSON.parse(json));
      return r.success ? r.data : null;
    },
  };
}

/**
 * The `filter` parameter of /sync: a stored filter's ID, or a filter JSON object inline (it starts
 * with `{`). Inline JSON that does not parse is 400 M_NOT_JSON; a filter that breaks the filter
 * schema is 400 M_BAD_JSON; an unknown filter ID is 400 M_INVALID_PARAM.
 */
import { MatrixError } from "../../core/errors";
import { zSyncFilter } from "../filters/filter-schema";
import type { FiltersService } from "../filters/filters-service";
import { compileSyncFilter, type SyncFilter, type SyncFilterJson } from "./filter-match";

export function resolveSyncFilter(filters: FiltersService, userId: string, param: string | undefined): SyncFilter {
  if (param === undefined || param === "") return compileSyncFilter(undefined);
  if (param.trimStart().startsWith("{")) {
    let json: unknown;
    try {
      json = JSON.parse(param);
    } catch {
      throw MatrixError.notJson("The filter parameter is not valid JSON");
    }
    const r = zSyncFilter.safeParse(json);
    if (!r.success) {
      const issue = r.error.issues[0];
      const where = issue?.path.length ? `${issue.path.map(String).join(".")}: ` : "";
      throw MatrixError.badJson(`Invalid filter: ${where}${issue?.message ?? "invalid"}`);
    }
    return compileSyncFilter(r.data as SyncFilterJson);
  }
  const stored = filters.loadFilter(userId, param);
  if (!stored) throw MatrixError.invalidParam(`No filter ${param}`);
  return compileSyncFilter(stored as SyncFilterJson);
}

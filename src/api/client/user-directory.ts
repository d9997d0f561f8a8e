/** POST /_matrix/client/v3/user_directory/search */
import { z } from "zod";
import { DEFAULT_USER_DIRECTORY_LIMIT } from "../../services/user-directory/user-directory-service";
import { type ApiApp, defineEndpoint, route } from "../endpoint";

// api/client-server/users.yaml
export const searchUserDirectory = defineEndpoint({
  operationId: "searchUserDirectory",
  method: "POST",
  path: "/_matrix/client/v3/user_directory/search",
  auth: "accessToken",
  body: z.object({
    search_term: z.string().max(1000),
    limit: z.number().int().min(0).max(1000).default(DEFAULT_USER_DIRECTORY_LIMIT),
  }),
});

export function registerUserDirectoryRoutes(app: ApiApp): void {
  route(app, searchUserDirectory, ({ body, user, services }) =>
    services.userDirectory.search(user.userId, body.search_term, body.limit),
  );
}

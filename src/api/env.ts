import type { Services } from "../services";

export interface AppEnv {
  Variables: {
    services: Services;
    requestId: string;
    clientIp: string;
  };
}

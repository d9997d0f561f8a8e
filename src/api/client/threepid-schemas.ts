/** Request bodies shared by the 3PID validation endpoints (registration, account, password reset). */
import { z } from "zod";

const zValidationCommon = {
  client_secret: z.string(),
  send_attempt: z.number().int(),
  next_link: z.string().optional(),
  id_server: z.string().optional(),
  id_access_token: z.string().optional(),
};

// api/client-server/definitions/request_email_validation.yaml
export const zEmailValidation = z.object({ ...zValidationCommon, email: z.string() });
// api/client-server/definitions/request_msisdn_validation.yaml
export const zMsisdnValidation = z.object({ ...zValidationCommon, country: z.string(), phone_number: z.string() });

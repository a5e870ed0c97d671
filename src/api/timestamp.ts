import { z } from "zod";

/** An RFC 3339 time as the API server serialises metav1.Time (`2027-02-26T00:00:00Z`). */
export const TimestampSchema = z.iso.datetime({ offset: true });

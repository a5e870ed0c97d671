import { z } from "zod";

// Bounds on text copied from Cloudflare into status. They keep one object far below etcd's size limit
// and match maxLength/maxItems in crds/; whoever writes status truncates to them.
export const STATUS_WORD_MAX_LENGTH = 64;
export const STATUS_TEXT_MAX_LENGTH = 1024;
export const MAX_STATUS_MESSAGES = 32;

/** A short Cloudflare value: a status, an id, a certificate authority. */
export const StatusWordSchema = z.string().max(STATUS_WORD_MAX_LENGTH);
/** A Cloudflare message, token or record value. */
export const StatusTextSchema = z.string().max(STATUS_TEXT_MAX_LENGTH);
/** Cloudflare's error or verification messages, verbatim. */
export const StatusMessagesSchema = z.array(StatusTextSchema).max(MAX_STATUS_MESSAGES);

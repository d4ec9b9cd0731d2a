/** Request limits of the write API, shared with the route table (kept apart so the read bundle need not import the write app). */
export const MAX_BODY_BYTES = 64 * 1024;
export const MAX_IDEMPOTENCY_KEY = 255;

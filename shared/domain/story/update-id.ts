/** An update's id: a ULID (26 characters of Crockford's base 32), minted by the writer. */
export const UPDATE_ID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/;

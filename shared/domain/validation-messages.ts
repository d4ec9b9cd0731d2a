/**
 * zod's English messages, for every schema of the contract. The contract's schemas use zod's mini
 * API, which a bundler can tree-shake (the classic API's methods carry every check and schema type,
 * some 70 KB of a Lambda bundle), and which, unlike the classic API, sets no locale as it loads:
 * without this a refused field would say a bare "Invalid input" rather than why ("Too big: expected
 * string to have <=300 characters"). Imported for its effect by each module that declares schemas,
 * so that the messages are the same whichever of them a process loads (a function, a test, a script).
 */
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());

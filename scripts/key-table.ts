// Prints the README's key table from the console's binding table: `npx tsx scripts/key-table.ts`,
// then paste it between the README's <!-- keys --> markers (test/keys.test.ts checks they agree).
import {keyTable} from '../source/console/keys.js';

process.stdout.write(`${keyTable({kind: 'simulated'})}\n`);

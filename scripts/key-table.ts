// Prints the README's key table from the console's binding table: `npx tsx scripts/key-table.ts`,
// then paste it between the README's <!-- keys --> markers (test/unit/keys.test.ts checks they agree).
import {keyTable} from '../source/console/bindings.js';
import {modes} from '../source/console/modes/index.js';
import {initialUi} from '../source/console/ui-state.js';

process.stdout.write(`${keyTable(modes.browse, {snapshot: {kind: 'simulated'}, ui: initialUi})}\n`);

// Run by a test as a separate process: opens (and so migrates) the store named on the command line.
import { createStorage } from '../create-storage';

const [connection, tablePrefix] = process.argv.slice(2);
if (connection === undefined) throw new Error('usage: migrate-in-child <connection-url> [table-prefix]');
const storage = await createStorage({ connection, tablePrefix });
await storage.close();

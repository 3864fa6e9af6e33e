import { runStoreContract } from '@pipewright/core/testing';
import { sqlTestTargets } from '../test-support/sql-test-targets';
import { describeWithServer } from '../test-support/test-servers';
import { createSqlRunStore } from './sql-run-store';

for (const { name, server, database } of await sqlTestTargets('run-store')) {
  describeWithServer(server, `sql run store on ${name}`, () => {
    runStoreContract({ name: `sql ${name}`, create: async () => createSqlRunStore(await database()) });
  });
}

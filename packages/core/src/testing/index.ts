export { runStoreContract, type RunStoreContractOptions } from './run-store-contract';
export { jobQueueContract, type JobQueueContractOptions } from './job-queue-contract';
export { createFakeClock, type FakeClock } from './fake-clock';
export { createTestEngine, replayRun, type TestEngine } from './test-engine';

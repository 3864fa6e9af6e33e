export { runStoreContract, type RunStoreContractOptions } from './run-store-contract';
export { jobQueueContract, type JobQueueContractOptions } from './job-queue-contract';
export { blobStoreContract, type BlobStoreContractOptions } from './blob-store-contract';
export { createFakeClock, type FakeClock } from './fake-clock';
export { createTestEngine, replayRun, type TestEngine } from './test-engine';

export { contentHash, type ContentHash } from './content-hash';
export { canonicalJson } from './canonical-json';
export {
  MarketplaceError,
  type MarketplaceErrorCode,
  type MarketplaceErrorOptions,
  type NotJsonIssue,
  type NotJsonReason,
} from './marketplace-error';

/**
 * The Lua scripts that give the queue what BullMQ does not have: dedupe keys with the
 * port's meaning (a waiting job absorbs later ones and keeps the earlier due time; a
 * leased one does not count) and one lease per dedupe key at a time.
 *
 * Every script is atomic, which is the point of writing them: a check and the change it
 * guards (is a job with this key waiting? is the key leased?) cannot be split by another
 * worker or producer. Where a script moves a job between BullMQ's sets it does what
 * BullMQ 6.7's own scripts do, named at each helper; the BullMQ version is pinned by
 * this package's dependency range, and the adapter's tests run these paths.
 *
 * The adapter's own keys, under `<prefix>:<queueName>:pw:`:
 * - `dedupe` (hash): dedupe key → the job with that key that waits to be leased.
 * - `running:<key>` (string, with the lease's TTL): `<jobId> <lock token>` of the one
 *   lease of a job with that key. It expires with the lease, so a crashed worker frees
 *   the key when its lease runs out.
 * - `held:<key>` (set): jobs put back because their key was leased; the lease's end
 *   makes them due at once rather than when the lease would have expired.
 * And one field on BullMQ's job hash: `pwDue`, the job's due time on the queue's clock.
 *
 * All scripts take the same KEYS and the same first two ARGV.
 */

/** KEYS, in this order, for every script. */
export const scriptKeyNames = ['delayed', 'marker', 'events', 'meta', 'active', 'stalled', 'dedupe', 'failed'] as const;

const prelude = `
local rcall = redis.call
local delayedKey, markerKey, eventsKey, metaKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local activeKey, stalledKey, dedupeKey, failedKey = KEYS[5], KEYS[6], KEYS[7], KEYS[8]
-- ARGV[1]: '<prefix>:<queueName>:'; ARGV[2]: now, in ms of real time (BullMQ's timeline)
local base = ARGV[1]
local now = tonumber(ARGV[2])

local function runningKeyOf(key) return base .. 'pw:running:' .. key end
local function heldKeyOf(key) return base .. 'pw:held:' .. key end

-- As BullMQ's includes/getDelayedScore.lua: the due time in the high bits, a counter in
-- the low 12 so jobs due in the same millisecond keep their order.
local function delayedScore(at)
  local minScore = at * 0x1000
  local maxScore = (at + 1) * 0x1000 - 1
  local last = rcall('ZREVRANGEBYSCORE', delayedKey, maxScore, minScore, 'WITHSCORES', 'LIMIT', 0, 1)
  local lastScore = tonumber(last[2])
  if lastScore == nil then return minScore end
  if lastScore >= maxScore then return maxScore end
  return lastScore + 1
end

-- Puts a job in BullMQ's delayed set, due at 'at' (real time), as moveToDelayed-11.lua
-- and changeDelay-4.lua do, and moves the marker as includes/addDelayMarkerIfNeeded.lua
-- does, so a worker blocked on the marker wakes up in time for the earliest delayed job.
local function schedule(jobId, at)
  rcall('ZADD', delayedKey, delayedScore(at), jobId)
  rcall('HSET', base .. jobId, 'delay', math.max(0, at - now))
  local maxEvents = rcall('HGET', metaKey, 'opts.maxLenEvents') or 10000
  rcall('XADD', eventsKey, 'MAXLEN', '~', maxEvents, '*', 'event', 'delayed', 'jobId', jobId, 'delay', at)
  local first = rcall('ZRANGE', delayedKey, 0, 0, 'WITHSCORES')
  local firstScore = tonumber(first[2])
  if firstScore ~= nil then rcall('ZADD', markerKey, firstScore / 0x1000, '1') end
end

-- A delayed job due later than 'at' becomes due at 'at'. A job not in the delayed set
-- is waiting or leased already: nothing to bring forward.
local function bringForward(jobId, at)
  local score = rcall('ZSCORE', delayedKey, jobId)
  if score and math.floor(tonumber(score) / 0x1000) > at then schedule(jobId, at) end
end

-- Takes a job out of the active list if 'token' still holds its lock, as
-- includes/removeLock.lua and the LREM of moveToDelayed-11.lua do.
local function unlease(jobId, token)
  local lockKey = base .. jobId .. ':lock'
  if rcall('GET', lockKey) ~= token then return false end
  rcall('DEL', lockKey)
  rcall('SREM', stalledKey, jobId)
  return rcall('LREM', activeKey, -1, jobId) > 0
end

-- A job still waits to be leased: it exists and did not end up dead-lettered. (Completed
-- jobs are removed; a leased job is no longer in the dedupe hash, see claim.)
local function isWaiting(jobId)
  return jobId and rcall('EXISTS', base .. jobId) == 1 and not rcall('ZSCORE', failedKey, jobId)
end

-- The lease 'holder' of 'key' ended: the key is free, and jobs held back behind it are due now.
local function releaseKey(key, holder)
  local runningKey = runningKeyOf(key)
  if rcall('GET', runningKey) ~= holder then return end
  rcall('DEL', runningKey)
  local heldKey = heldKeyOf(key)
  for _, jobId in ipairs(rcall('SMEMBERS', heldKey)) do bringForward(jobId, now) end
  rcall('DEL', heldKey)
end
`;

/**
 * Enqueue with a dedupe key. ARGV[3] key, ARGV[4] due time on the queue's clock, ARGV[5]
 * the same time in real time, ARGV[6] the id of a parked job, or '' to only look.
 *
 * If a job with the key waits, it absorbs this one: its due time comes forward if this
 * one is due earlier. Returns `{waitingId, 1}`. Otherwise, with no parked job, returns
 * `{'', 0}`; with one, registers it under the key and moves it from its parking time to
 * its due time, returning `{parkedId, 0}`.
 *
 * Why park: BullMQ adds a job in a script of its own, so "is one waiting?" and "add one"
 * cannot happen in one script. The producer adds the job far in the future, where no
 * worker takes it, and this script decides atomically whether it becomes the waiting job
 * for its key (due at its time) or is a duplicate (which the producer then removes). A
 * producer that dies in between leaves a parked job that runs once its parking time is
 * up: a late extra run, never a lost one.
 */
export const enqueueKeyedScript = `${prelude}
local key, due, at, parkedId = ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6]
local waitingId = rcall('HGET', dedupeKey, key)
if isWaiting(waitingId) then
  local jobKey = base .. waitingId
  local waitingDue = tonumber(rcall('HGET', jobKey, 'pwDue'))
  if waitingDue == nil or due < waitingDue then
    rcall('HSET', jobKey, 'pwDue', due)
    bringForward(waitingId, at)
  end
  return {waitingId, 1}
end
if parkedId == '' then return {'', 0} end
-- A parked job that left the delayed set was taken by a worker after its parking time ran
-- out (this call came that late): it runs unregistered rather than be registered as
-- waiting while it is leased.
if rcall('ZSCORE', delayedKey, parkedId) then
  rcall('HSET', dedupeKey, key, parkedId)
  rcall('HSET', base .. parkedId, 'pwDue', due)
  schedule(parkedId, at)
end
return {parkedId, 0}
`;

/**
 * Right after BullMQ moved a job to active under `token`. ARGV[3] job id, ARGV[4] token,
 * ARGV[5] lease ms, ARGV[6] dedupe key or '', ARGV[7] max attempts.
 *
 * BullMQ counts every move to active in the job's `ats` field, which is the port's
 * attempt: 1 on the first lease, one more for each retry or expired lease.
 *
 * Returns:
 * - `{'leased', attempt, pwDue}`: the job is this worker's; its key, if any, is leased
 *   with it and the job no longer counts as waiting for dedupe.
 * - `{'exhausted', attempt}`: the lease before this one was the last attempt and it
 *   expired; the caller dead-letters the job.
 * - `{'held'}`: another job with the key is leased. The job goes back to the delayed set
 *   (uncounted) until that lease would expire; the lease ending sooner brings it forward.
 * - `{'lost'}`: the token no longer holds the job.
 */
export const claimScript = `${prelude}
local jobId, token, leaseMs, key, maxAttempts = ARGV[3], ARGV[4], tonumber(ARGV[5]), ARGV[6], tonumber(ARGV[7])
local jobKey = base .. jobId
if rcall('GET', jobKey .. ':lock') ~= token then return {'lost'} end
local attempt = tonumber(rcall('HGET', jobKey, 'ats') or '0')
if attempt > maxAttempts then
  if key ~= '' then
    if rcall('HGET', dedupeKey, key) == jobId then rcall('HDEL', dedupeKey, key) end
    rcall('SREM', heldKeyOf(key), jobId)
  end
  return {'exhausted', attempt}
end
if key ~= '' then
  local runningKey = runningKeyOf(key)
  local holder = rcall('GET', runningKey)
  local mine = jobId .. ' '
  -- A holder that is an earlier lease of this same job expired (this worker got the job
  -- from BullMQ, so its lock is gone): it does not block.
  if holder and string.sub(holder, 1, #mine) ~= mine then
    local wait = rcall('PTTL', runningKey)
    if wait < 1 then wait = 1 end
    rcall('HINCRBY', jobKey, 'ats', -1)
    unlease(jobId, token)
    schedule(jobId, now + wait)
    local heldKey = heldKeyOf(key)
    rcall('SADD', heldKey, jobId)
    -- Outlives the wake-up of every member: a job still held then adds itself again.
    rcall('PEXPIRE', heldKey, wait + 1000)
    return {'held'}
  end
  rcall('SET', runningKey, mine .. token, 'PX', leaseMs)
  rcall('SREM', heldKeyOf(key), jobId)
  if rcall('HGET', dedupeKey, key) == jobId then rcall('HDEL', dedupeKey, key) end
end
return {'leased', attempt, rcall('HGET', jobKey, 'pwDue') or ''}
`;

/**
 * Extends a lease. ARGV[3] job id, ARGV[4] token, ARGV[5] lease ms, ARGV[6] dedupe key
 * or ''. The lock part is BullMQ's extendLock-2.lua; the key's lease is extended with it.
 * Returns 1, or 0 if the token no longer holds the job.
 */
export const heartbeatScript = `${prelude}
local jobId, token, leaseMs, key = ARGV[3], ARGV[4], tonumber(ARGV[5]), ARGV[6]
local lockKey = base .. jobId .. ':lock'
if rcall('GET', lockKey) ~= token then return 0 end
if key ~= '' then
  local runningKey = runningKeyOf(key)
  local mine = jobId .. ' ' .. token
  local holder = rcall('GET', runningKey)
  if holder and holder ~= mine then return 0 end
  rcall('SET', runningKey, mine, 'PX', leaseMs)
end
rcall('SET', lockKey, token, 'PX', leaseMs)
rcall('SREM', stalledKey, jobId)
return 1
`;

/**
 * A handler failed and attempts remain. ARGV[3] job id, ARGV[4] token, ARGV[5] dedupe
 * key or '', ARGV[6] the retry's due time on the queue's clock, ARGV[7] the same in real
 * time, ARGV[8] the error message.
 *
 * In one step: the job leaves active for the delayed set (as BullMQ's moveToDelayed),
 * its key's lease ends, and it waits under its key again unless another job with the key
 * already does. Returns 1, or 0 if the token no longer holds the job.
 */
export const retryScript = `${prelude}
local jobId, token, key, due, at, reason = ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6]), tonumber(ARGV[7]), ARGV[8]
if not unlease(jobId, token) then return 0 end
local jobKey = base .. jobId
rcall('HSET', jobKey, 'pwDue', due, 'failedReason', reason)
rcall('HINCRBY', jobKey, 'atm', 1)
schedule(jobId, at)
if key ~= '' then
  releaseKey(key, jobId .. ' ' .. token)
  if not isWaiting(rcall('HGET', dedupeKey, key)) then rcall('HSET', dedupeKey, key, jobId) end
end
return 1
`;

/**
 * After BullMQ completed or dead-lettered a job with a dedupe key: the key's lease ends.
 * ARGV[3] job id, ARGV[4] token, ARGV[5] dedupe key.
 */
export const releaseScript = `${prelude}
releaseKey(ARGV[5], ARGV[3] .. ' ' .. ARGV[4])
return 1
`;

/**
 * A worker that is stopping got a job it will not run: the job is due again at once, and
 * the move to active that leased it does not count as an attempt. ARGV[3] job id, ARGV[4]
 * token. Returns 1, or 0 if the token no longer holds the job.
 */
export const handBackScript = `${prelude}
local jobId, token = ARGV[3], ARGV[4]
if not unlease(jobId, token) then return 0 end
rcall('HINCRBY', base .. jobId, 'ats', -1)
schedule(jobId, now)
return 1
`;

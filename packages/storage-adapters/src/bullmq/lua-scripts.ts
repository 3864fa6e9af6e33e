import { PRIORITY_LIMIT } from 'bullmq';

/**
 * The Lua scripts that give the queue what BullMQ does not have: dedupe keys with the
 * port's meaning (a waiting job absorbs later ones and keeps the earlier due time; a
 * leased one does not count), one lease per dedupe key at a time, and due jobs handed out
 * fairly between tenants.
 *
 * Every script is atomic, which is the point of writing them: a check and the change it
 * guards (is a job with this key waiting? is the key leased? which place is the tenant's
 * next?) cannot be split by another worker or producer. Where a script moves a job between
 * BullMQ's sets it does what BullMQ 6.7's own scripts do, named at each helper; the BullMQ
 * version is pinned by this package's dependency range, and the adapter's tests run these
 * paths.
 *
 * ## Fair leasing: start-time fair queuing on BullMQ's prioritized set
 *
 * The port hands due jobs out by tenant turns: a job's place is its tenant's previous
 * place plus one, never before the queue's current place (the place of the job leased
 * last). Workers take jobs with BullMQ's own fetch (moveToActive: the `wait` list first,
 * then ZPOPMIN on the `prioritized` set), so a due job waits in `prioritized` with its
 * place as the score. Jobs of different tenants at one place are one round; ZPOPMIN takes a
 * round's jobs in job id order, and job ids are random, so no tenant is first by design.
 * A tenant with a backlog of N jobs holds places current..current+N-1, and a tenant that
 * comes along takes the current place: it waits behind at most one job per busy tenant.
 *
 * The scores are this adapter's, not BullMQ priorities (BullMQ's score is
 * `priority * 2^32 + counter`, priority at most 2^21 - 1): places are plain integers,
 * exact in a double below 2^53. Each placing of a job takes a place at most one above any
 * before it, so no place exceeds the number of placings: a queue placing a million jobs a
 * second stays clear of the limit below (`unplacedScore`, about 2^53) for 285 years, and
 * the places need no reset.
 *
 * A job gets its place when it becomes due, not when it is enqueued:
 * - due at enqueue: the enqueue script places it, in the script that stores it;
 * - due later (and retries, and jobs held behind a leased key): it waits in BullMQ's
 *   `delayed` set, so BullMQ's markers wake workers on time. Every job carries BullMQ's
 *   lowest priority (`PRIORITY_LIMIT`), so BullMQ's promotion (promoteDelayedJobs, run by
 *   every fetch) moves it to `prioritized` above every place (`unplacedScore`), never to
 *   the `wait` list that would go before everything. The claim that follows each fetch
 *   gives such unplaced jobs their places. A fetch that finds only unplaced jobs takes the
 *   earliest due, and the claim places that one as it leases it.
 * Before a script places a job, it places every job already due without a place (those
 * BullMQ promoted, then those due in `delayed`, up to 1,000 each, BullMQ's own promotion
 * batch): so a tenant's jobs take places in due order, not in the order in which scripts
 * happened to look at them.
 *
 * The claim of a leased job moves the current place up to the job's place, but never past
 * the lowest place still waiting: a job taken from the `wait` list (below) skipped the
 * places.
 *
 * What a crash cannot break: the job itself is always in one of BullMQ's sets (no state of
 * this adapter holds a job), and an expired lease goes back through BullMQ's stalled check
 * (to the `wait` list, ahead of the places: it already had its turn). The places are only
 * order: an unplaced job left by a worker that died before its claim is still taken, after
 * the placed ones, and placed by the next claim.
 *
 * The adapter's own keys, under `<prefix>:<queueName>:pw:`:
 * - `dedupe` (hash): dedupe key → the job with that key that waits to be leased.
 * - `running:<key>` (string, with the lease's TTL): `<jobId> <lock token>` of the one
 *   lease of a job with that key. It expires with the lease, so a crashed worker frees
 *   the key when its lease runs out.
 * - `held:<key>` (set): jobs put back because their key was leased; the lease's end
 *   makes them due at once rather than when the lease would have expired.
 * - `tenant-places` (sorted set): tenant → the place of its latest placed job, kept only
 *   while that place is at or after the current place (an older one gives the same next
 *   place as none), so it holds the tenants with recent work, not every tenant ever seen.
 * - `current-place` (string): the place of the job leased last.
 * And fields on BullMQ's job hash: `pwDue`, the job's due time on the queue's clock;
 * `pwTenant`, its tenant; `pwPlace`, its place while it is placed (cleared when it goes
 * back to `delayed`).
 *
 * All scripts take the same KEYS and the same first two ARGV.
 */

/** KEYS, in this order, for every script. */
export const scriptKeyNames = [
  'delayed',
  'marker',
  'events',
  'meta',
  'active',
  'stalled',
  'dedupe',
  'failed',
  'prioritized',
  'tenantPlaces',
  'currentPlace',
] as const;

/**
 * BullMQ's priority of every job of this queue: its lowest, so that BullMQ's promotion of a
 * delayed job lands above every place (see "Fair leasing" above).
 */
export const unplacedPriority = PRIORITY_LIMIT;

const prelude = `
local rcall = redis.call
local delayedKey, markerKey, eventsKey, metaKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local activeKey, stalledKey, dedupeKey, failedKey = KEYS[5], KEYS[6], KEYS[7], KEYS[8]
local prioritizedKey, tenantPlacesKey, currentPlaceKey = KEYS[9], KEYS[10], KEYS[11]
-- ARGV[1]: '<prefix>:<queueName>:'; ARGV[2]: now, in ms of real time (BullMQ's timeline)
local base = ARGV[1]
local now = tonumber(ARGV[2])

-- BullMQ's score of a promoted job is priority * 2^32 + counter (includes/getPriorityScore.lua);
-- every place is below this one.
local unplacedScore = ${unplacedPriority} * 0x100000000
-- How many due jobs without a place a script places from each set at most: BullMQ promotes
-- up to as many per fetch.
local placeBatch = 1000

local function runningKeyOf(key) return base .. 'pw:running:' .. key end
local function heldKeyOf(key) return base .. 'pw:held:' .. key end
-- Jobs stored before this field existed share one turn.
local function tenantOf(jobId) return rcall('HGET', base .. jobId, 'pwTenant') or '' end
local function maxEvents() return rcall('HGET', metaKey, 'opts.maxLenEvents') or 10000 end

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
-- The job gives up its place: it gets a new one when it is due again.
local function schedule(jobId, at)
  rcall('ZADD', delayedKey, delayedScore(at), jobId)
  rcall('HSET', base .. jobId, 'delay', math.max(0, at - now))
  rcall('HDEL', base .. jobId, 'pwPlace')
  rcall('XADD', eventsKey, 'MAXLEN', '~', maxEvents(), '*', 'event', 'delayed', 'jobId', jobId, 'delay', at)
  local first = rcall('ZRANGE', delayedKey, 0, 0, 'WITHSCORES')
  local firstScore = tonumber(first[2])
  if firstScore ~= nil then rcall('ZADD', markerKey, firstScore / 0x1000, '1') end
end

-- Start-time fair queuing: the place of the tenant's next due job is its previous place
-- plus one, never before the current place. Records it as the tenant's latest.
local function takePlace(tenant)
  local place = tonumber(rcall('GET', currentPlaceKey)) or 0
  local previous = tonumber(rcall('ZSCORE', tenantPlacesKey, tenant))
  if previous ~= nil and previous + 1 > place then place = previous + 1 end
  rcall('ZADD', tenantPlacesKey, place, tenant)
  return place
end

-- A job not in 'prioritized' becomes due at 'at' there, as addPrioritizedJob-9.lua adds a
-- job: the base marker wakes a blocked worker (includes/addBaseMarkerIfNeeded.lua).
local function makeDue(jobId, at)
  rcall('ZADD', prioritizedKey, at, jobId)
  rcall('HSET', base .. jobId, 'pwPlace', at, 'delay', 0)
  rcall('ZADD', markerKey, 0, '0')
  rcall('XADD', eventsKey, 'MAXLEN', '~', maxEvents(), '*', 'event', 'waiting', 'jobId', jobId)
end

-- Places every job that is due but has no place yet, earliest due first, before a script
-- places another job: so a tenant's jobs take places in due order. First the jobs BullMQ
-- promoted from 'delayed' (a fetch promotes the earliest due), then the jobs due in
-- 'delayed' that no fetch promoted yet, as includes/promoteDelayedJobs.lua would.
local function placeDue()
  local promoted = rcall('ZRANGEBYSCORE', prioritizedKey, unplacedScore, '+inf', 'LIMIT', 0, placeBatch)
  for _, jobId in ipairs(promoted) do
    -- Already in 'prioritized', above the places: the ZADD moves it down to its place.
    local at = takePlace(tenantOf(jobId))
    rcall('ZADD', prioritizedKey, at, jobId)
    rcall('HSET', base .. jobId, 'pwPlace', at)
  end
  local due = rcall('ZRANGEBYSCORE', delayedKey, 0, (now + 1) * 0x1000 - 1, 'LIMIT', 0, placeBatch)
  if #due == 0 then return end
  rcall('ZREM', delayedKey, unpack(due))
  for _, jobId in ipairs(due) do makeDue(jobId, takePlace(tenantOf(jobId))) end
end

-- A job was leased at its place: the queue's current place moves up to it, and tenants
-- whose latest place is behind the new current place are forgotten (their next job takes
-- the current place, with or without the entry). Never past a job still waiting at its
-- place: a job from BullMQ's wait list (an expired lease, taken again) skipped the
-- places, and one that lost its place there took its tenant's next, which may lie
-- behind that tenant's whole backlog.
local function advanceTo(at)
  local head = tonumber(rcall('ZRANGE', prioritizedKey, 0, 0, 'WITHSCORES')[2])
  if head ~= nil and head < at then at = head end
  local current = tonumber(rcall('GET', currentPlaceKey)) or 0
  if at > current then
    current = at
    rcall('SET', currentPlaceKey, string.format('%.0f', current))
  end
  rcall('ZREMRANGEBYSCORE', tenantPlacesKey, '-inf', string.format('(%.0f', current))
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
 * Adds a job. ARGV[3] job id, ARGV[4] name, ARGV[5] data (JSON), ARGV[6] BullMQ job
 * options (JSON), ARGV[7] tenant, ARGV[8] dedupe key or '', ARGV[9] due time on the
 * queue's clock, ARGV[10] the same time in real time.
 *
 * With a dedupe key under which a job waits, that job absorbs this one: its due time comes
 * forward if this one is due earlier, and nothing is stored. Returns `{waitingId, 1}`.
 * Otherwise stores the job as BullMQ's addDelayedJob-6.lua and addPrioritizedJob-9.lua
 * do (the hash of includes/storeJob.lua, the `added` event), registers it under its key,
 * and makes it due at its tenant's place, or delays it. Returns `{jobId, 0}`.
 *
 * Storing the job here rather than through BullMQ's `Queue.add` puts the dedupe check,
 * the store and the place in one step: there is no moment at which a second producer
 * could add a duplicate, or a crash leave a stored job without its place.
 */
export const enqueueScript = `${prelude}
local jobId, name, data, opts, tenant = ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local key, due, at = ARGV[8], tonumber(ARGV[9]), tonumber(ARGV[10])
if key ~= '' then
  local waitingId = rcall('HGET', dedupeKey, key)
  if isWaiting(waitingId) then
    local waitingKey = base .. waitingId
    local waitingDue = tonumber(rcall('HGET', waitingKey, 'pwDue'))
    if waitingDue == nil or due < waitingDue then
      rcall('HSET', waitingKey, 'pwDue', due)
      bringForward(waitingId, at)
    end
    return {waitingId, 1}
  end
end
local jobKey = base .. jobId
rcall('HSET', jobKey, 'name', name, 'data', data, 'opts', opts, 'timestamp', now, 'delay', 0,
  'priority', ${unplacedPriority}, 'pwDue', due, 'pwTenant', tenant)
rcall('XADD', eventsKey, 'MAXLEN', '~', maxEvents(), '*', 'event', 'added', 'jobId', jobId, 'name', name)
if key ~= '' then rcall('HSET', dedupeKey, key, jobId) end
if at > now then
  schedule(jobId, at)
else
  placeDue()
  makeDue(jobId, takePlace(tenant))
end
return {jobId, 0}
`;

/**
 * Right after BullMQ moved a job to active under `token`. ARGV[3] job id, ARGV[4] token,
 * ARGV[5] lease ms, ARGV[6] dedupe key or '', ARGV[7] max attempts.
 *
 * BullMQ counts every move to active in the job's `ats` field, which is the port's
 * attempt: 1 on the first lease, one more for each retry or expired lease.
 *
 * Whatever it decides, the claim also places the jobs BullMQ promoted from the delayed set
 * (see "Fair leasing"): each fetch is followed by a claim, so promoted jobs get their
 * places before the next fetches reach them.
 *
 * Returns:
 * - `{'leased', attempt, pwDue}`: the job is this worker's; its key, if any, is leased
 *   with it and the job no longer counts as waiting for dedupe. The queue's current place
 *   moves up to the job's.
 * - `{'exhausted', attempt}`: the lease before this one was the last attempt and it
 *   expired; the caller dead-letters the job.
 * - `{'held'}`: another job with the key is leased. The job goes back to the delayed set
 *   (uncounted) until that lease would expire; the lease ending sooner brings it forward.
 * - `{'lost'}`: the token no longer holds the job.
 */
export const claimScript = `${prelude}
local jobId, token, leaseMs, key, maxAttempts = ARGV[3], ARGV[4], tonumber(ARGV[5]), ARGV[6], tonumber(ARGV[7])
local jobKey = base .. jobId

local function claim()
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
  -- No place: BullMQ promoted the job and a fetch took it before a claim placed it (it was
  -- the earliest due, with no placed job waiting), or its lease expired before this claim
  -- and it came back through the wait list. It takes its place now.
  local at = tonumber(rcall('HGET', jobKey, 'pwPlace'))
  if at == nil then
    at = takePlace(tenantOf(jobId))
    rcall('HSET', jobKey, 'pwPlace', at)
  end
  advanceTo(at)
  return {'leased', attempt, rcall('HGET', jobKey, 'pwDue') or ''}
end

local result = claim()
placeDue()
return result
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
 * already does. The retry gets a new place when it falls due. Returns 1, or 0 if the token
 * no longer holds the job.
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
 * A worker that is stopping got a job it will not run: the job is due again at once, at the
 * place it had (its turn was not used), and the move to active that leased it does not
 * count as an attempt. ARGV[3] job id, ARGV[4] token. Returns 1, or 0 if the token no
 * longer holds the job.
 */
export const handBackScript = `${prelude}
local jobId, token = ARGV[3], ARGV[4]
if not unlease(jobId, token) then return 0 end
rcall('HINCRBY', base .. jobId, 'ats', -1)
local at = tonumber(rcall('HGET', base .. jobId, 'pwPlace'))
if at == nil then at = takePlace(tenantOf(jobId)) end
makeDue(jobId, at)
-- No claim follows this fetch: the jobs it promoted are placed here.
placeDue()
return 1
`;

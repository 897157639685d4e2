// Package counters holds the engagement engine's hot counters, in memory
// (one process, the embedded mode) or in Redis (shared by every api
// instance, each operation that must be atomic one Lua script):
//
//   - Credit, the listening watermark: across all of a fan's sessions
//     together no more listening seconds are credited than wall-clock time
//     passes;
//   - FirstSeen, a client event id's first sighting, for deduplication;
//   - Add, Take and Active, the live counts of an artist's engagement tick,
//     each increment taken by exactly one taker across instances;
//   - Buffer (a separate interface), the queue of accepted client events
//     the flush drains into PostgreSQL, at least once.
//
// Issue 19 (the engagement engine) says how they are used.
//
// Layer: a leaf service. Imports models and other internal services only
// (tooling/archtest checks); never api, the use cases or anything else
// above internal/.
package counters

// Package partysync keeps each listening party in sync: the latest
// playback every api instance reads for a joining socket (Redis, or memory
// for one process), published into the party's room as party:sync only
// when it is newer than the last one; and, in follow.go, the reference
// player docs/parties.md describes, which front ends copy and the sync
// benchmark runs.
//
// Layer: a leaf service. Imports models and internal/realtime only.
package partysync

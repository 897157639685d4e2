// Package ratelimit counts requests in fixed windows and throttles repeated
// failures with exponential back-off, in memory (one process) or in Redis
// (shared by every api instance, each decision one atomic script).
//
// Both implementations take their clock from the caller, so they agree on
// windows and waits and the tests can move time.
//
// Layer: a leaf service; imports no package of the project.
package ratelimit

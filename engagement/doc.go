// Package engagement holds the engagement engine's use cases: the client
// events a fan's app reports (Ingest: checked, deduplicated, credited
// against the fan's wall clock, buffered for the flush into PostgreSQL).
// A handler, a socket frame or a test calls them alike; the api only
// decodes and encodes (docs/engagement.md).
//
// Layer: a use case, below api and app, above the services. Imports
// internal/* services and models; never api, worker or app, and nothing
// under internal/ imports it.
package engagement

// Package config reads the platform's settings from the environment into one
// typed struct. Defaults run the embedded mode (SQLite, in-memory broker and
// limiter, a Temporal dev server); setting DATABASE_URL, REDIS_URL and
// TEMPORAL_ADDRESS switches each part to its production service.
//
// Layer: a leaf service; imports no package of the project.
package config

// Package store holds the queries of the platform over GORM, one file per
// aggregate, for PostgreSQL (production) and SQLite (the embedded default).
//
// Layer: a leaf service. Imports models and migrations; never anything above
// internal/ (tooling/archtest checks).
package store

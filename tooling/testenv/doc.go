// Package testenv gives tests the real services they run against: a fresh
// PostgreSQL or SQLite database with migrations applied, Redis on a private
// key prefix, a Temporal dev server, and an in-process api + worker.
//
// `make test` starts PostgreSQL, Redis and one Temporal dev server and
// passes their addresses in FANFARE_TEST_POSTGRES, FANFARE_TEST_REDIS and
// FANFARE_TEST_TEMPORAL. Without FANFARE_TEST_TEMPORAL a package starts its
// own dev server from bin/temporal (call Main from TestMain to stop it).
// A service that cannot be had fails the test; it is never skipped.
//
// Layer: tooling, beside the layers. It may import app and anything below;
// only tests import it (tooling/archtest checks that no service does).
package testenv

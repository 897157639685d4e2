// Package loadtest drives the platform from outside, as clients would, and
// reports figures as `BENCH <name> <value> <unit>` lines; `fanfare loadtest`
// runs it.
//
// Layer: tooling, beside the layers. It may import app and anything below;
// only cmd/fanfare and tests import it.
package loadtest

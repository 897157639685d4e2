// Package seed loads the demo data of the embedded mode: an artist with a
// fan club and a few fans who follow them. Running it twice changes nothing.
//
// Layer: tooling, beside the layers (`fanfare seed` and `fanfare dev` run it;
// no service does). Imports models and the services it writes through.
package seed

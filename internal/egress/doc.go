// Package egress is how the server calls a URL someone else chose (a
// browser's push endpoint, an artist's Discord webhook): an HTTP client
// whose dialer refuses every address that is not public.
//
// Layer: a leaf service. Imports only the standard library and
// code.dny.dev/ssrf; nothing of the project above models (tooling/archtest
// checks).
package egress

// Package temporalx holds the platform's Temporal plumbing: the one client
// factory, the registration of search attributes on a namespace and the
// embedded dev server. The keys themselves are internal/searchattr.
//
// Layer: a leaf service. Imports the Temporal SDK and API only; workflow code
// never imports it.
package temporalx

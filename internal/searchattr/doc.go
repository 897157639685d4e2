// Package searchattr holds the typed search-attribute keys the workflows set
// and operators filter on in the Temporal UI.
//
// Layer: pure keys, below the workflows. Imports only
// go.temporal.io/sdk/temporal, so workflow code may import it without
// pulling in a client or the dev server (those are internal/temporalx).
package searchattr

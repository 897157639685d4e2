// Package billing charges fans through a payment provider: Stripe in
// production, a sandbox that keeps its books in the database otherwise.
//
// Layer: a leaf service. Imports models and internal/store; never anything
// above internal/ (tooling/archtest checks).
package billing

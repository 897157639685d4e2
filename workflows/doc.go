// Package workflows holds the platform's deterministic, long-lived
// processes. Workflow code does no I/O: it decides, and activities act.
//
// Layer: below worker, api and notifier. Imports only models,
// internal/searchattr, activities (activity references and their input
// types), the Temporal SDK, uuid and the standard library
// (tooling/archtest checks).
package workflows

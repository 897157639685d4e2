// Package activities holds the I/O that workflows decide on. Activities are
// methods on structs that hold their dependencies, and are idempotent.
//
// Layer: below workflows, above the services. Imports models and the leaf
// services under internal/; never api, worker, workflows, notifier or app.
// What an activity needs from above (notifying a user) it declares as a
// type of its own that app fills in.
package activities

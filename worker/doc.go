// Package worker wires the workflows and activities to a task queue from
// one registry (Workflows): their activities, schedules, search attributes and
// replay fixtures.
//
// Layer: above workflows and activities, below app. Imports workflows,
// activities, internal/searchattr, models and the services the activities
// need; never api, notifier or app.
package worker

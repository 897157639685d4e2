// Package membership holds the membership commands: subscribe, change
// tier, cancel and resume, each a call to the member's SubscriptionWorkflow
// (through its typed client) with the reads around it. A handler, a socket
// frame or a test calls them alike; the api only decodes and encodes.
//
// Layer: a use case, below api and app, above the workflow clients and the
// services. Imports workflows (the typed client), internal/* services and
// models; never api, worker or app, and nothing under internal/ imports it.
package membership

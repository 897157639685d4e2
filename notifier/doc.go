// Package notifier is the one way the platform notifies users: the in-app
// row is written and pushed to the user's sockets at once; email and push
// follow the user's preferences through their InboxWorkflow; broadcasts
// run as BroadcastWorkflows. It sits above the workflow clients, so the
// api and (through an interface they declare) the activities use it alike.
//
// Layer: above the workflow clients, below api and app. Imports workflows
// (their typed clients), internal/notify, the services and models; never
// api, worker or app.
package notifier

// Package engagement holds the engagement use cases: what fans do becoming
// scores, ranks and milestones, and the delivery of those milestones
// (Deliverer: from their outbox rows to a RewardWorkflow per fan
// milestone, a notification per artist milestone). A handler, the worker
// process or a test calls them alike.
//
// Layer: a use case, below api and app, above the notifier, the workflow
// clients and the services. Imports notifier, workflows (the typed
// clients), internal/* services and models; never api, worker or app, and
// nothing under internal/ imports it.
package engagement

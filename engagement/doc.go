// Package engagement holds the engagement engine's use cases: tuning an
// artist's weights, reading leaderboards and a fan's standing with its
// breakdown, taking client events in, flushing them, and delivering the
// milestones acts reach (Deliverer: from their outbox rows to a
// RewardWorkflow per fan milestone, a notification per artist milestone).
// Acts themselves write their events through the store, in their own
// transactions (docs/engagement.md). A handler, the worker process or a
// test calls them alike.
//
// Layer: a use case, below api and app, above the notifier, the workflow
// clients and the services. Imports notifier, workflows (the typed
// clients), internal/* services and models; never api, worker or app, and
// nothing under internal/ imports it.
package engagement

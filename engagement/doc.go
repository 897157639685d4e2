// Package engagement holds the engagement engine's use cases: tuning an
// artist's weights, reading leaderboards and a fan's standing with its
// breakdown, taking client events in, flushing them and delivering the
// milestones acts reach. Acts themselves write their events through the
// store, in their own transactions (docs/engagement.md).
//
// Layer: a use case, below api and app, above the notifier and the
// services. Imports notifier, workflows' typed clients, internal/*
// services and models; never api, worker or app, and nothing under
// internal/ imports it.
package engagement

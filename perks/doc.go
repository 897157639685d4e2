// Package perks holds the use cases of the tier perks other than DMs: the
// monthly Q&A (ask, vote, answer, close and tell the askers), the
// backstage feed and live sessions (start and tell the superfans, chat,
// end). Each checks access through models.CanAccess, sanitizes
// what people write and stores it; the api decodes, calls, publishes the
// room events and encodes.
//
// Layer: a use case, below api and app, above the notifier and the
// services. Imports notifier, internal/* services and models; never api,
// worker or app, and nothing under internal/ imports it.
package perks

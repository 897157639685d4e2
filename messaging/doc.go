// Package messaging holds the direct-message use cases: a send checks and
// sanitizes the text, stores it with what it costs, publishes it to the
// conversation's room and notifies an offline recipient. A handler, a
// socket frame or a test calls them alike; the api only decodes and
// encodes around them.
//
// Layer: a use case, below api and app, above the notifier and the
// services. Imports notifier, internal/* services and models; never api,
// worker or app, and nothing under internal/ imports it.
package messaging

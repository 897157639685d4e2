// Package api serves the platform's REST api with Fiber: middleware, the
// one error handler, the OpenAPI document and the handlers.
//
// Layer: below app only. Handlers decode, call a use case, the notifier or a
// workflow client, and encode. Imports models, the services under internal/,
// workflows (for their typed clients) and notifier; never app, worker,
// activities or tooling.
package api

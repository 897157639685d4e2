// Package app is the composition root: it assembles the running system from
// its config (database, Redis, Temporal client, api server and worker) and
// stops them in order.
//
// Layer: the top, under cmd/fanfare. It imports api, worker, activities and
// the services, which is why it lives outside internal/: no service may import
// it. Only cmd/fanfare and tooling (testenv, loadtest) import app.
package app

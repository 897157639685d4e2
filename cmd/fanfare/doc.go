// Command fanfare runs the Fanfare platform: `dev` starts everything in one
// process on embedded defaults; `api`, `worker`, `migrate` and `seed` are the
// production pieces; `loadtest` drives a running platform.
//
// Layer: the very top. Imports app, worker, the services it needs for its
// commands (config, store, temporalx) and tooling (seed, loadtest); nothing
// imports it.
package main

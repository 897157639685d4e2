// Package analytics holds the artist's dashboard use cases (issue 20):
// metrics computed from the membership and follow history
// (docs/analytics.md). A handler or a test calls them alike.
//
// Layer: a use case, below api and app, above the services. Imports
// internal/* services and models; never api, worker or app, and nothing
// under internal/ imports it.
package analytics

// Package discord posts announcements to Discord webhooks: it checks the
// webhook URLs artists give (ParseURL), calls Discord's api at a base URL
// the config alone sets, keeps to its rate limits per webhook (all of them
// only on a global limit), remembers the webhooks Discord refused, signs each
// request for a relay (X-Fanfare-Signature) and, through the store, posts
// an announcement once per key (Announcer).
//
// Layer: a leaf service. Imports models and the services below it
// (store, egress) and the Temporal SDK's error types; nothing above
// internal/ (tooling/archtest checks).
package discord

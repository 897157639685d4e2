// Package realtime is the WebSocket layer: the protocol, rooms shared across
// api instances through a broker (memory or Redis), presence, single-use
// connection tickets and flow control. docs/realtime.md describes the
// protocol for front ends.
//
// Layer: a leaf service. Imports models only; never api or anything else
// above internal/ (tooling/archtest checks): features register their room
// kinds, access rules and frame handlers from above.
package realtime

// Package auth holds accounts' credentials: password hashing, access tokens
// (JWT) and rotating refresh tokens with reuse detection.
//
// Layer: a leaf service. Imports models and internal/store; never anything
// above internal/ (tooling/archtest checks).
package auth

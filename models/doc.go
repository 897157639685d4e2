// Package models holds the platform's persistent types, the tier catalogue
// with CanAccess, and the domain errors.
//
// Layer: the bottom. Imports no package of the project (tooling/archtest
// checks), so every layer may use it.
package models

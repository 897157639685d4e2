// Command bare serves fixed bytes from one Fiber handler, with no
// middleware: the ceiling any api route on this machine can reach.
//
// Tooling for `make bench`; imports no package of the project.
package main

// Package blobs keeps uploaded files: on local disk by default, or in an
// S3-compatible bucket.
//
// Layer: a leaf service; imports no package of the project.
package blobs

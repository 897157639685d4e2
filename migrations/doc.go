// Package migrations embeds the goose SQL migrations, one folder per dialect.
// Both folders move in step: the same version number means the same schema.
//
// Layer: the bottom, beside models; imports no package of the project.
package migrations

package store

import (
	"context"

	"github.com/pressly/goose/v3"

	"github.com/fanfare/fanfare/migrations"
)

// Migrator applies the embedded migrations of the store's dialect.
func (s *Store) Migrator() (*goose.Provider, error) {
	dialect := goose.DialectPostgres
	if s.dialect == SQLite {
		dialect = goose.DialectSQLite3
	}
	return goose.NewProvider(dialect, s.SQL(), migrations.FS(s.dialect))
}

// MigrateUp applies every pending migration.
func (s *Store) MigrateUp(ctx context.Context) error {
	p, err := s.Migrator()
	if err != nil {
		return err
	}
	_, err = p.Up(ctx)
	return err
}

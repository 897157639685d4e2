package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Dialects.
const (
	Postgres = "postgres"
	SQLite   = "sqlite"
)

// Options bound the connection pool.
type Options struct {
	MaxOpenConns    int
	MaxIdleConns    int
	ConnMaxLifetime time.Duration
}

// Store is the database of the platform.
type Store struct {
	db      *gorm.DB
	dialect string
}

// Open connects to the database named by url: postgres://… or
// sqlite://path/to/file.db (the directory is created).
func Open(ctx context.Context, url string, opts Options, log *slog.Logger) (*Store, error) {
	var (
		dialector gorm.Dialector
		dialect   string
	)
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		dialector, dialect = postgres.Open(url), Postgres
	case strings.HasPrefix(url, "sqlite://"):
		path := strings.TrimPrefix(url, "sqlite://")
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, fmt.Errorf("create database directory: %w", err)
		}
		// WAL lets readers run beside the writer; immediate transactions take
		// the write lock up front so two writers wait instead of deadlocking.
		dsn := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
			"&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate&_time_format=sqlite"
		dialector, dialect = sqlite.Open(dsn), SQLite
	default:
		return nil, errors.New("database url must start with postgres:// or sqlite://")
	}
	db, err := gorm.Open(dialector, &gorm.Config{
		TranslateError:         true,
		SkipDefaultTransaction: true,
		PrepareStmt:            false, // pgx caches statements per connection already
		NowFunc:                func() time.Time { return time.Now().UTC() },
		Logger: logger.NewSlogLogger(log, logger.Config{
			SlowThreshold:             200 * time.Millisecond,
			LogLevel:                  logger.Warn,
			IgnoreRecordNotFoundError: true,
			ParameterizedQueries:      true,
		}),
	})
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", dialect, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	if dialect == SQLite {
		// One writer at a time is all SQLite has; a single connection
		// makes callers queue in Go instead of failing with SQLITE_BUSY
		// (seen under concurrent transactions even with busy_timeout).
		// Code inside a transaction must use its tx, never the pool.
		opts.MaxOpenConns, opts.MaxIdleConns = 1, 1
	}
	sqlDB.SetMaxOpenConns(opts.MaxOpenConns)
	sqlDB.SetMaxIdleConns(opts.MaxIdleConns)
	sqlDB.SetConnMaxLifetime(opts.ConnMaxLifetime)
	if err := sqlDB.PingContext(ctx); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("connect to %s database: %w", dialect, err)
	}
	return &Store{db: db, dialect: dialect}, nil
}

// Dialect is Postgres or SQLite.
func (s *Store) Dialect() string { return s.dialect }

// DB returns the GORM handle bound to ctx.
func (s *Store) DB(ctx context.Context) *gorm.DB { return s.db.WithContext(ctx) }

// SQL returns the underlying pool, for migrations and pool metrics.
func (s *Store) SQL() *sql.DB {
	sqlDB, _ := s.db.DB() // never fails once Open succeeded
	return sqlDB
}

// Ping checks the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.SQL().PingContext(ctx) }

// Close closes the pool.
func (s *Store) Close() error { return s.SQL().Close() }

// Tx runs fn in one transaction.
func (s *Store) Tx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return s.DB(ctx).Transaction(fn)
}

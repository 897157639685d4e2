package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"

	"github.com/fanfare/fanfare/models"
)

// engagementColumns are engagement_events' columns, in the order the
// append writes them.
var engagementColumns = []string{"id", "user_id", "artist_id", "action", "amount", "at", "once_key"}

// appendKeep is the condition an appended event is kept on: the rules
// recordEngagement applies to server-side acts, and a fan and an artist
// that still exist (they may have gone since the event was accepted; a
// foreign-key error would stop every later flush).
const appendKeep = `e.amount > 0 AND e.user_id <> e.artist_id
	AND EXISTS (SELECT 1 FROM users u WHERE u.id = e.user_id)
	AND EXISTS (SELECT 1 FROM artists a WHERE a.id = e.artist_id)`

// AppendEngagement writes client events the api accepted, in one
// transaction, and folds the ones that are new into the scores
// (foldEngagement) in it: an event whose id or (user, once key) is
// already stored is skipped, so a batch flushed twice counts once. It
// answers how many were added. On PostgreSQL the rows go through COPY
// into a temporary table first, then one INSERT … ON CONFLICT DO NOTHING
// RETURNING; SQLite takes batched INSERTs of the same shape.
func (s *Store) AppendEngagement(ctx context.Context, events []models.EngagementEvent) (int, error) {
	if len(events) == 0 {
		return 0, nil
	}
	if s.dialect == SQLite {
		var added []models.EngagementEvent
		err := s.Tx(ctx, func(tx *gorm.DB) error {
			for batch := range slices.Chunk(events, sqliteAppendBatch) {
				rows, err := appendSQLite(tx, batch)
				if err != nil {
					return err
				}
				added = append(added, rows...)
			}
			return foldEngagement(tx, added)
		})
		return len(added), err
	}
	// COPY needs pgx's own connection: the transaction is begun on one
	// connection held for the call, so GORM's statements and the COPY run
	// in the same transaction.
	conn, err := s.SQL().Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	db := s.db.Session(&gorm.Session{Context: ctx, NewDB: true})
	db.Statement.ConnPool = conn
	var added []models.EngagementEvent
	err = db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`CREATE TEMPORARY TABLE engagement_incoming (LIKE engagement_events) ON COMMIT DROP`).Error; err != nil {
			return err
		}
		if err := conn.Raw(func(dc any) error {
			c, ok := dc.(*stdlib.Conn)
			if !ok {
				return fmt.Errorf("store: the PostgreSQL driver is %T, not pgx", dc)
			}
			_, err := c.Conn().CopyFrom(ctx, pgx.Identifier{"engagement_incoming"}, engagementColumns, copyRows(events))
			return err
		}); err != nil {
			return err
		}
		cols := strings.Join(engagementColumns, ", ")
		if err := tx.Raw(`INSERT INTO engagement_events (` + cols + `) SELECT ` + cols + ` FROM engagement_incoming e WHERE ` + appendKeep +
			` ON CONFLICT DO NOTHING RETURNING ` + cols).Scan(&added).Error; err != nil {
			return err
		}
		return foldEngagement(tx, added)
	})
	return len(added), err
}

// copyRows are events as COPY's rows.
func copyRows(events []models.EngagementEvent) pgx.CopyFromSource {
	return pgx.CopyFromSlice(len(events), func(i int) ([]any, error) {
		e := events[i]
		if e.ID == uuid.Nil {
			return nil, errors.New("store: an engagement event without an id")
		}
		return []any{e.ID, e.UserID, e.ArtistID, string(e.Action), e.Amount, e.At.UTC(), e.OnceKey}, nil
	})
}

// sqliteAppendBatch keeps one INSERT's parameters (7 a row) well under
// SQLite's limit.
const sqliteAppendBatch = 500

// appendSQLite inserts one batch, answering the rows it added.
func appendSQLite(tx *gorm.DB, batch []models.EngagementEvent) ([]models.EngagementEvent, error) {
	values := make([]string, len(batch))
	args := make([]any, 0, len(batch)*len(engagementColumns))
	for i, e := range batch {
		if e.ID == uuid.Nil {
			return nil, errors.New("store: an engagement event without an id")
		}
		values[i] = "(?, ?, ?, ?, ?, ?, ?)"
		args = append(args, e.ID, e.UserID, e.ArtistID, string(e.Action), e.Amount, e.At.UTC(), e.OnceKey)
	}
	// SQLite names a VALUES list's columns column1…column7.
	var sel []string
	for i, c := range engagementColumns {
		sel = append(sel, fmt.Sprintf("column%d AS %s", i+1, c))
	}
	cols := strings.Join(engagementColumns, ", ")
	var added []models.EngagementEvent
	err := tx.Raw(`INSERT INTO engagement_events (`+cols+`) SELECT `+cols+` FROM (SELECT `+strings.Join(sel, ", ")+
		` FROM (VALUES `+strings.Join(values, ", ")+`)) e WHERE `+appendKeep+` ON CONFLICT DO NOTHING RETURNING `+cols, args...).Scan(&added).Error
	return added, err
}

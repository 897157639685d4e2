package store

import (
	"context"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/fanfare/fanfare/models"
)

// CreateContent inserts a content row.
func (s *Store) CreateContent(ctx context.Context, c *models.Content) error {
	return s.DB(ctx).Create(c).Error
}

// Content returns a content item that is not deleted.
func (s *Store) Content(ctx context.Context, id uuid.UUID) (*models.Content, error) {
	return first[models.Content](s.DB(ctx).Where("id = ? AND deleted_at IS NULL", id))
}

// UpdateContent writes every field of c, an item of its artist that is not
// deleted; another artist's item, or a deleted one, is not found.
func (s *Store) UpdateContent(ctx context.Context, c *models.Content) error {
	res := s.DB(ctx).Model(c).Select("*").Omit("id", "artist_id", "created_at", "deleted_at").
		Where("artist_id = ? AND deleted_at IS NULL", c.ArtistID).Updates(c)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return models.ErrNotFound
	}
	return nil
}

// DeleteContent soft-deletes an item of the artist; its plays and blob
// stay (the blob is served only for items that are not deleted).
func (s *Store) DeleteContent(ctx context.Context, artistID, id uuid.UUID, now time.Time) error {
	res := s.DB(ctx).Model(&models.Content{}).Where("id = ? AND artist_id = ? AND deleted_at IS NULL", id, artistID).
		Updates(map[string]any{"deleted_at": now, "updated_at": now})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return models.ErrNotFound
	}
	return nil
}

// Contents returns a page of an artist's items, newest first, and the
// cursor of the next page ("" at the end): the last row's created_at|id.
func (s *Store) Contents(ctx context.Context, artistID uuid.UUID, after string, limit int) ([]models.Content, string, error) {
	q := s.DB(ctx).Where("artist_id = ? AND deleted_at IS NULL", artistID)
	if after != "" {
		at, id, err := parseTimeCursor(after)
		if err != nil {
			return nil, "", err
		}
		q = q.Where("created_at < ? OR (created_at = ? AND id < ?)", at, at, id)
	}
	var rows []models.Content
	if err := q.Order("created_at DESC, id DESC").Limit(limit + 1).Find(&rows).Error; err != nil {
		return nil, "", err
	}
	return page(rows, limit, func(c models.Content) string { return timeCursor(c.CreatedAt, c.ID) })
}

// ExclusiveContents lists an artist's items above the follower tier, newest
// first: the club page's exclusive list.
func (s *Store) ExclusiveContents(ctx context.Context, artistID uuid.UUID, limit int) ([]models.Content, error) {
	var rows []models.Content
	err := s.DB(ctx).Where("artist_id = ? AND deleted_at IS NULL AND min_tier <> ?", artistID, models.TierFollower).
		Order("created_at DESC, id DESC").Limit(limit).Find(&rows).Error
	return rows, err
}

// RecordPlay stores a play report of content c with its seconds listened
// capped: never more than the item's duration, nor (after the user's first
// report of it) than the wall-clock time since their previous report.
// Reports of one user and item take turns, so two at once cannot both
// claim the same time.
func (s *Store) RecordPlay(ctx context.Context, c *models.Content, p *models.Play) error {
	return s.Tx(ctx, func(tx *gorm.DB) error {
		if s.dialect == Postgres { // SQLite has one writer already
			if err := tx.Exec("SELECT pg_advisory_xact_lock(hashtext(?))", "play:"+p.UserID.String()+c.ID.String()).Error; err != nil {
				return err
			}
		}
		limit := c.DurationSeconds
		var prev []models.Play
		if err := tx.Where("user_id = ? AND content_id = ?", p.UserID, c.ID).Order("created_at DESC").Limit(1).Find(&prev).Error; err != nil {
			return err
		}
		if len(prev) == 1 {
			limit = min(limit, int(max(0, p.CreatedAt.Sub(prev[0].CreatedAt))/time.Second))
		}
		p.ContentID, p.ArtistID = c.ID, c.ArtistID
		p.SecondsListened = min(p.SecondsListened, limit)
		if err := tx.Create(p).Error; err != nil {
			return err
		}
		return recordEngagement(tx, models.EngagementEvent{UserID: p.UserID, ArtistID: c.ArtistID, Action: models.ActionPlay,
			Amount: int64(p.SecondsListened), At: p.CreatedAt})
	})
}

// StreamingSeconds sums the seconds a user listened to an artist's items
// since a time (the engagement issue's streaming minutes).
func (s *Store) StreamingSeconds(ctx context.Context, userID, artistID uuid.UUID, since time.Time) (int64, error) {
	var n int64
	err := s.DB(ctx).Model(&models.Play{}).Select("coalesce(sum(seconds_listened), 0)").
		Where("user_id = ? AND artist_id = ? AND created_at >= ?", userID, artistID, since).Scan(&n).Error
	return n, err
}

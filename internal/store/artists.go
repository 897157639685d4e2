package store

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/fanfare/fanfare/models"
)

// ArtistByID returns an artist profile.
func (s *Store) ArtistByID(ctx context.Context, id uuid.UUID) (*models.Artist, error) {
	return first[models.Artist](s.DB(ctx).Where("id = ?", id))
}

// ArtistBySlug returns an artist profile by its slug.
func (s *Store) ArtistBySlug(ctx context.Context, slug string) (*models.Artist, error) {
	return first[models.Artist](s.DB(ctx).Where("slug = ?", slug))
}

// UpdateArtist sets the given columns of an artist profile.
func (s *Store) UpdateArtist(ctx context.Context, id uuid.UUID, cols map[string]any) (*models.Artist, error) {
	if len(cols) > 0 {
		res := s.DB(ctx).Model(&models.Artist{ID: id}).Updates(cols)
		if errors.Is(res.Error, gorm.ErrDuplicatedKey) {
			return nil, &models.Error{Code: models.CodeConflict, Message: "slug already taken", Field: "slug"}
		}
		if res.Error != nil {
			return nil, res.Error
		}
		if res.RowsAffected == 0 {
			return nil, models.ErrNotFound
		}
	}
	return s.ArtistByID(ctx, id)
}

// Follow makes user follow artist and returns the artist's follower count
// and whether the follow is new. Following twice is not an error and
// counts once.
func (s *Store) Follow(ctx context.Context, userID, artistID uuid.UUID) (int64, bool, error) {
	return s.changeFollow(ctx, userID, artistID, true)
}

// Unfollow undoes Follow; unfollowing an artist one does not follow is a no-op.
func (s *Store) Unfollow(ctx context.Context, userID, artistID uuid.UUID) (int64, bool, error) {
	return s.changeFollow(ctx, userID, artistID, false)
}

func (s *Store) changeFollow(ctx context.Context, userID, artistID uuid.UUID, follow bool) (int64, bool, error) {
	if userID == artistID {
		return 0, false, models.FieldError("id", "artists cannot follow themselves")
	}
	var count int64
	var changed bool
	err := s.Tx(ctx, func(tx *gorm.DB) error {
		var res *gorm.DB
		f := models.Follow{UserID: userID, ArtistID: artistID}
		if follow {
			res = tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&f)
		} else {
			res = tx.Where("user_id = ? AND artist_id = ?", userID, artistID).Delete(&models.Follow{})
		}
		if errors.Is(res.Error, gorm.ErrForeignKeyViolated) {
			return models.ErrNotFound
		}
		if res.Error != nil {
			return res.Error
		}
		delta := res.RowsAffected
		changed = delta != 0
		if changed {
			if err := tx.Create(&models.FollowEvent{ID: models.NewID(), ArtistID: artistID, UserID: userID, Followed: follow, At: time.Now().UTC()}).Error; err != nil {
				return err
			}
		}
		if !follow {
			delta = -delta
		}
		upd := tx.Model(&models.Artist{}).Where("id = ?", artistID).
			Update("follower_count", gorm.Expr("follower_count + ?", delta))
		if upd.Error != nil {
			return upd.Error
		}
		if upd.RowsAffected == 0 {
			return models.ErrNotFound
		}
		if err := tx.Model(&models.Artist{}).Where("id = ?", artistID).Pluck("follower_count", &count).Error; err != nil {
			return err
		}
		if !follow || delta == 0 { // a new follow only: following twice is no second event
			return nil
		}
		if err := recordEngagement(tx, models.EngagementEvent{UserID: userID, ArtistID: artistID, Action: models.ActionFollow, Amount: delta, At: f.CreatedAt,
			OnceKey: once("follow", artistID)}); err != nil {
			return err
		}
		// The row lock of the count orders concurrent follows: one of them
		// takes the count across a threshold; unfollowing and following
		// again takes it across once more, which the milestone's key keeps
		// a no-op.
		var keys []string
		for _, n := range models.Crossed(models.FollowerMilestones, float64(count-1), float64(count)) {
			keys = append(keys, models.FollowersMilestone(n))
		}
		return reachArtistMilestones(tx, artistID, f.CreatedAt, keys...)
	})
	return count, changed, err
}

// IsFollowing reports whether user follows artist.
func (s *Store) IsFollowing(ctx context.Context, userID, artistID uuid.UUID) (bool, error) {
	var n int64
	err := s.DB(ctx).Model(&models.Follow{}).
		Where("user_id = ? AND artist_id = ?", userID, artistID).Count(&n).Error
	return n > 0, err
}

package store

import (
	"context"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/fanfare/fanfare/models"
)

// CloseClub marks an artist's club closed (the first close stays); a club
// never set up is stored with the catalogue's defaults, closed.
func (s *Store) CloseClub(ctx context.Context, artistID uuid.UUID, now time.Time) error {
	res := s.DB(ctx).Model(&models.FanClub{}).Where("artist_id = ?", artistID).
		Update("closed_at", gorm.Expr("COALESCE(closed_at, ?)", now))
	if res.Error != nil || res.RowsAffected > 0 {
		return res.Error
	}
	c, err := s.Club(ctx, artistID)
	if err != nil {
		return err
	}
	c.ClosedAt, c.UpdatedAt = &now, now
	return s.DB(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(c).Error
}

// OpenQASession opens the artist's session of month, or returns the one
// already opened for it (open or closed).
func (s *Store) OpenQASession(ctx context.Context, artistID uuid.UUID, month string, now time.Time) (*models.QASession, error) {
	row := &models.QASession{ID: models.NewID(), ArtistID: artistID, Month: month, Status: models.QAOpen, OpenedAt: now}
	return createOnce(s, ctx, row, func() (*models.QASession, error) {
		return first[models.QASession](s.DB(ctx).Where("artist_id = ? AND month = ?", artistID, month))
	})
}

// QASession returns a session.
func (s *Store) QASession(ctx context.Context, id uuid.UUID) (*models.QASession, error) {
	return first[models.QASession](s.DB(ctx).Where("id = ?", id))
}

// QASessions returns a page of an artist's sessions, newest first, after
// the cursor (the last id of the page before).
func (s *Store) QASessions(ctx context.Context, artistID uuid.UUID, before string, limit int) ([]models.QASession, string, error) {
	return newestFirst(s.DB(ctx).Where("artist_id = ?", artistID), before, limit, func(r models.QASession) uuid.UUID { return r.ID })
}

// newestFirst reads a page of q's rows, newest first (ids are time-ordered),
// after the cursor before, and the next page's cursor.
func newestFirst[T any](q *gorm.DB, before string, limit int, id func(T) uuid.UUID) ([]T, string, error) {
	if before != "" {
		q = q.Where("id < ?", before)
	}
	var rows []T
	if err := q.Order("id DESC").Limit(limit + 1).Find(&rows).Error; err != nil {
		return nil, "", err
	}
	return page(rows, limit, func(r T) string { return id(r).String() })
}

// OpenQASessions lists the ids of an artist's open sessions: the rooms a
// member who lost the perk must be rechecked out of (closed sessions
// publish nothing more).
func (s *Store) OpenQASessions(ctx context.Context, artistID uuid.UUID) ([]uuid.UUID, error) {
	var ids []uuid.UUID
	err := s.DB(ctx).Model(&models.QASession{}).Where("artist_id = ? AND status = ?", artistID, models.QAOpen).Pluck("id", &ids).Error
	return ids, err
}

// CloseQASession closes a session; closed says whether this call did.
func (s *Store) CloseQASession(ctx context.Context, id uuid.UUID, now time.Time) (sess *models.QASession, closed bool, err error) {
	res := s.DB(ctx).Model(&models.QASession{}).Where("id = ? AND status = ?", id, models.QAOpen).
		Updates(map[string]any{"status": models.QAClosed, "closed_at": now})
	if res.Error != nil {
		return nil, false, res.Error
	}
	sess, err = s.QASession(ctx, id)
	return sess, res.RowsAffected == 1, err
}

// whileOpen runs fn in a transaction holding the session open: a close
// waits for it (PostgreSQL's FOR SHARE; SQLite has one writer), so nothing
// is written into a closed session and a close sees every question.
func (s *Store) whileOpen(ctx context.Context, sessionID uuid.UUID, fn func(tx *gorm.DB) error) error {
	return s.Tx(ctx, func(tx *gorm.DB) error {
		sess, err := first[models.QASession](tx.Clauses(clause.Locking{Strength: "SHARE"}).Where("id = ?", sessionID))
		if err != nil {
			return err
		}
		if sess.Status != models.QAOpen {
			return models.Errorf(models.CodeConflict, "the Q&A session is closed")
		}
		return fn(tx)
	})
}

// AskQuestion stores a question in an open session, at most perAsker per
// member and session. The quota is taken like the DM quota: one upsert of
// the member's qa_askers row that only counts below the limit, so
// concurrent asks take turns on that row (the session's FOR SHARE alone
// lets them all count the same questions under READ COMMITTED).
func (s *Store) AskQuestion(ctx context.Context, q *models.QAQuestion, perAsker int) error {
	return s.whileOpen(ctx, q.SessionID, func(tx *gorm.DB) error {
		res := tx.Exec(`INSERT INTO qa_askers (session_id, author_id, asked) VALUES (?, ?, 1)
			ON CONFLICT (session_id, author_id) DO UPDATE SET asked = qa_askers.asked + 1 WHERE qa_askers.asked < ?`,
			q.SessionID, q.AuthorID, perAsker)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return models.Errorf(models.CodeQuotaExceeded, "at most %d questions per member and session", perAsker)
		}
		if err := tx.Create(q).Error; err != nil {
			return err
		}
		artist, err := artistOf(tx, &models.QASession{}, q.SessionID)
		if err != nil {
			return err
		}
		return recordEngagement(tx, models.EngagementEvent{UserID: q.AuthorID, ArtistID: artist, Action: models.ActionQuestion, Amount: 1, At: q.CreatedAt})
	})
}

// QAQuestions lists a session's questions, most votes first, then oldest.
func (s *Store) QAQuestions(ctx context.Context, sessionID uuid.UUID) ([]models.QAQuestion, error) {
	var rows []models.QAQuestion
	err := s.DB(ctx).Where("session_id = ?", sessionID).Order("votes DESC, id").Find(&rows).Error
	return rows, err
}

// VoteQuestion records userID's one upvote of a question of an open
// session and returns the question with its count.
func (s *Store) VoteQuestion(ctx context.Context, sessionID, questionID, userID uuid.UUID, now time.Time) (*models.QAQuestion, error) {
	var q *models.QAQuestion
	err := s.whileOpen(ctx, sessionID, func(tx *gorm.DB) error {
		if _, err := first[models.QAQuestion](tx.Where("id = ? AND session_id = ?", questionID, sessionID)); err != nil {
			return err
		}
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&models.QAVote{QuestionID: questionID, UserID: userID, CreatedAt: now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return models.Errorf(models.CodeConflict, "you already voted for this question")
		}
		if err := tx.Model(&models.QAQuestion{}).Where("id = ?", questionID).Update("votes", gorm.Expr("votes + 1")).Error; err != nil {
			return err
		}
		var err error
		q, err = first[models.QAQuestion](tx.Where("id = ?", questionID))
		return err
	})
	return q, err
}

// AnswerQuestion sets (or replaces) the answer of a question of an open session.
func (s *Store) AnswerQuestion(ctx context.Context, sessionID, questionID uuid.UUID, answer string, now time.Time) (*models.QAQuestion, error) {
	var q *models.QAQuestion
	err := s.whileOpen(ctx, sessionID, func(tx *gorm.DB) error {
		res := tx.Model(&models.QAQuestion{}).Where("id = ? AND session_id = ?", questionID, sessionID).
			Updates(map[string]any{"answer": answer, "answered_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return models.ErrNotFound
		}
		var err error
		q, err = first[models.QAQuestion](tx.Where("id = ?", questionID))
		return err
	})
	return q, err
}

// Asker is a member with questions in a closed session not yet told of the close.
type Asker struct {
	AuthorID uuid.UUID
	Asked    int
	Answered int
}

// UntoldAskers lists the askers of a session whose close notice is not claimed yet.
func (s *Store) UntoldAskers(ctx context.Context, sessionID uuid.UUID) ([]Asker, error) {
	var out []Asker
	err := s.DB(ctx).Model(&models.QAQuestion{}).
		Select("author_id, count(*) AS asked, count(answer) AS answered").
		Where("session_id = ? AND notified_at IS NULL", sessionID).Group("author_id").Order("author_id").Scan(&out).Error
	return out, err
}

// ClaimAskerNotice marks an asker's questions told of the close; it reports
// whether this call did (a retried close does not tell anyone twice).
func (s *Store) ClaimAskerNotice(ctx context.Context, sessionID, authorID uuid.UUID, now time.Time) (bool, error) {
	res := s.DB(ctx).Model(&models.QAQuestion{}).
		Where("session_id = ? AND author_id = ? AND notified_at IS NULL", sessionID, authorID).Update("notified_at", now)
	return res.RowsAffected > 0, res.Error
}

// CreateBackstagePost stores a post of the backstage feed.
func (s *Store) CreateBackstagePost(ctx context.Context, p *models.BackstagePost) error {
	return s.DB(ctx).Create(p).Error
}

// BackstagePosts returns a page of an artist's backstage posts, newest
// first, after the cursor (the last id of the page before).
func (s *Store) BackstagePosts(ctx context.Context, artistID uuid.UUID, before string, limit int) ([]models.BackstagePost, string, error) {
	return newestFirst(s.DB(ctx).Where("artist_id = ?", artistID), before, limit, func(r models.BackstagePost) uuid.UUID { return r.ID })
}

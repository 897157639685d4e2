package perks

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"golang.org/x/sync/errgroup"

	"github.com/fanfare/fanfare/internal/notify"
	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/notifier"
)

// Limits of the Q&A.
const (
	MaxQuestionRunes  = 1000 // a question
	MaxAnswerRunes    = 4000 // an answer
	QuestionsPerAsker = 3    // per member and session: the askers a close tells stay few
	closeNotices      = 8    // askers told at once by a close
)

// Who is the caller of a use case.
type Who struct {
	UserID uuid.UUID
	Role   models.Role
}

// QA is the monthly Q&A's use cases.
type QA struct {
	Store  *store.Store
	Notify *notifier.Notifier
	Now    func() time.Time
}

// Session returns a session who may take part in: the artist, admins and
// the members whose tier has the Q&A perk.
func (q *QA) Session(ctx context.Context, id uuid.UUID, who Who) (*models.QASession, error) {
	s, err := q.Store.QASession(ctx, id)
	if err != nil {
		return nil, err
	}
	return s, q.CanJoin(ctx, s.ArtistID, who)
}

// CanJoin checks who may take part in the artist's Q&A.
func (q *QA) CanJoin(ctx context.Context, artistID uuid.UUID, who Who) error {
	return allowed(ctx, q.Store, models.Resource{Kind: models.ResourceQA, ArtistID: artistID}, who, q.Now(), "the Q&A is for supporters and superfans")
}

// allowed is models.CanAccess for who with their tier in the resource's club.
func allowed(ctx context.Context, st *store.Store, r models.Resource, who Who, now time.Time, refusal string) error {
	tier, err := st.TierOf(ctx, r.ArtistID, who.UserID)
	if err != nil {
		return err
	}
	if !models.CanAccess(models.Viewer{UserID: who.UserID, Role: who.Role, Tier: tier}, r, now) {
		return models.Errorf(models.CodeForbidden, "%s", refusal)
	}
	return nil
}

// Hosted returns a session whose artist who is (or an admin).
func (q *QA) Hosted(ctx context.Context, id uuid.UUID, who Who) (*models.QASession, error) {
	s, err := q.Store.QASession(ctx, id)
	if err != nil {
		return nil, err
	}
	if who.Role != models.RoleAdmin && who.UserID != s.ArtistID {
		return nil, models.ErrForbidden
	}
	return s, nil
}

// Ask stores a question in an open session.
func (q *QA) Ask(ctx context.Context, sessionID uuid.UUID, who Who, raw string) (*models.QAQuestion, error) {
	if _, err := q.Session(ctx, sessionID, who); err != nil {
		return nil, err
	}
	body, err := Text(raw, "body", MaxQuestionRunes)
	if err != nil {
		return nil, err
	}
	row := &models.QAQuestion{ID: models.NewID(), SessionID: sessionID, AuthorID: who.UserID, Body: body, CreatedAt: q.Now()}
	return row, q.Store.AskQuestion(ctx, row, QuestionsPerAsker)
}

// Vote records who's one upvote of a question of an open session.
func (q *QA) Vote(ctx context.Context, sessionID, questionID uuid.UUID, who Who) (*models.QAQuestion, error) {
	if _, err := q.Session(ctx, sessionID, who); err != nil {
		return nil, err
	}
	return q.Store.VoteQuestion(ctx, sessionID, questionID, who.UserID, q.Now())
}

// Answer sets the artist's answer to a question of an open session.
func (q *QA) Answer(ctx context.Context, s *models.QASession, questionID uuid.UUID, raw string) (*models.QAQuestion, error) {
	answer, err := Text(raw, "answer", MaxAnswerRunes)
	if err != nil {
		return nil, err
	}
	return q.Store.AnswerQuestion(ctx, s.ID, questionID, answer, q.Now())
}

// Close closes a session (closed says whether this call did) and tells
// each asker once, with their own count of answers. Each notice is
// claimed (on the asker's questions) before it is sent, so nobody is told
// twice and a close repeated after a failure tells those the first did
// not reach; a notice whose row could not be written after its claim is
// lost (at most once). One Send per asker rather than a broadcast: each
// notice carries the asker's own counts, and askers are few (at most
// QuestionsPerAsker questions each, told closeNotices at a time).
func (q *QA) Close(ctx context.Context, s *models.QASession) (sess *models.QASession, closed bool, err error) {
	sess, closed, err = q.Store.CloseQASession(ctx, s.ID, q.Now())
	if err != nil {
		return nil, false, err
	}
	askers, err := q.Store.UntoldAskers(ctx, s.ID)
	if err != nil {
		return nil, false, err
	}
	artist, err := q.Store.ArtistByID(ctx, s.ArtistID)
	if err != nil {
		return nil, false, err
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(closeNotices)
	for _, a := range askers {
		g.Go(func() error { return q.tell(gctx, sess, artist.Name, a) })
	}
	return sess, closed, g.Wait()
}

func (q *QA) tell(ctx context.Context, s *models.QASession, artist string, a store.Asker) error {
	claimed, err := q.Store.ClaimAskerNotice(ctx, s.ID, a.AuthorID, q.Now())
	if err != nil || !claimed {
		return err
	}
	_, err = q.Notify.Send(ctx, notify.Notification{
		UserID: a.AuthorID, Category: "qa", GroupKey: "qa:" + s.ID.String(),
		Title: artist + "'s Q&A is closed",
		Body:  fmt.Sprintf("%d of your %d questions got an answer.", a.Answered, a.Asked),
		Data:  map[string]any{"qa_session_id": s.ID.String(), "artist_id": s.ArtistID.String()},
	})
	return err
}

package api

import (
	"context"

	"github.com/google/uuid"

	"github.com/fanfare/fanfare/internal/realtime"
	"github.com/fanfare/fanfare/perks"
)

// The Q&A's real-time side: the qa:{sessionID} room and its events. A
// membership change that ends the perk rechecks the open sessions' rooms
// (activities.Membership).
const (
	eventQAQuestion realtime.EventType[qaQuestionView] = "qa:question"
	eventQAVote     realtime.EventType[qaVote]         = "qa:vote"
	eventQAAnswer   realtime.EventType[qaQuestionView] = "qa:answer"
	eventQAClosed   realtime.EventType[qaSessionView]  = "qa:closed"
)

// qaVote is a question's vote count after a vote (not who voted).
type qaVote struct {
	QuestionID string `json:"question_id"`
	Votes      int    `json:"votes"`
}

func (s *Server) qaRealtime(h *realtime.Hub) {
	h.RoomKind("qa", realtime.Kind{Access: perkRoom(func(ctx context.Context, id uuid.UUID, who perks.Who) error {
		_, err := s.qa.Session(ctx, id, who)
		return err
	})})
}

// publishQA sends an event to a session's room; the database already
// holds what it tells, so a failure is only a late update.
func (s *Server) publishQA(ctx context.Context, session uuid.UUID, ev realtime.Event) {
	if _, err := s.Hub.Publish(ctx, realtime.QARoom(session.String()), ev); err != nil {
		s.Log.WarnContext(ctx, "Q&A event not published", "type", ev.Type, "error", err)
	}
}

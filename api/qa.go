package api

import (
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/fanfare/fanfare/models"
	"github.com/fanfare/fanfare/perks"
	"github.com/fanfare/fanfare/workflows"
)

// perkMembers: the artist the path names (or whose session it is), admins,
// and the members whose tier has the perk (models.CanAccess); others 403.
var perkMembers = &owner{Refused: http.StatusForbidden, Admin: true}

type qaSessionView struct {
	ID       string     `json:"id"`
	ArtistID string     `json:"artist_id"`
	Month    string     `json:"month" description:"UTC month, e.g. 2026-12: one session per artist and month"`
	Status   string     `json:"status" enum:"open,closed"`
	OpenedAt time.Time  `json:"opened_at"`
	ClosedAt *time.Time `json:"closed_at"`
}

type qaSessionList struct {
	Items      []qaSessionView `json:"items"`
	NextCursor string          `json:"next_cursor"`
}

type qaQuestionView struct {
	ID         string     `json:"id"`
	SessionID  string     `json:"session_id"`
	AuthorID   string     `json:"author_id"`
	Body       string     `json:"body" description:"Sanitized: tags stripped, the rest HTML-escaped"`
	Votes      int        `json:"votes"`
	Answer     *string    `json:"answer"`
	AnsweredAt *time.Time `json:"answered_at"`
	CreatedAt  time.Time  `json:"created_at"`
}

type qaSessionDetail struct {
	qaSessionView
	Questions []qaQuestionView `json:"questions" description:"Most votes first, then oldest"`
}

type askRequest struct {
	Body string `json:"body" validate:"required,max=4000" description:"At most 1,000 characters once sanitized"`
}

type answerRequest struct {
	Answer string `json:"answer" validate:"required,max=16000" description:"At most 4,000 characters once sanitized"`
}

// idPage is ?cursor=&limit= of a list whose cursor is the last id of the
// page before (ids are time-ordered).
type idPage struct {
	Limit  int    `query:"limit" default:"20" validate:"min=1,max=100" invalid:"limit must be between 1 and 100" minimum:"1" maximum:"100"`
	Cursor string `query:"cursor" validate:"omitempty,id" invalid:"invalid cursor" description:"next_cursor of the page before"`
}

func (s *Server) qaRoutes(r *routes) {
	r.add(fiber.MethodGet, "/api/artists/:id/qa", op{summary: "The artist's Q&A sessions, newest first (supporters and superfans, the artist, admins)", tag: "qa", auth: true,
		query: idPage{}, out: qaSessionList{}, errors: []int{http.StatusForbidden, http.StatusNotFound}, owner: perkMembers}, s.authenticate, s.qaSessions)
	r.add(fiber.MethodPost, "/api/artists/:id/qa", op{summary: "Open this month's Q&A session now (the monthly schedule opens it on the 1st); the month's session if one exists", tag: "qa", auth: true,
		out: qaSessionView{}, status: http.StatusCreated, errors: []int{http.StatusConflict, http.StatusNotFound}, owner: artistOwned},
		s.authenticate, requireRole(models.RoleArtist), s.openQA)
	r.add(fiber.MethodGet, "/api/qa/:id", op{summary: "A Q&A session with its questions, most votes first, and answers", tag: "qa", auth: true,
		out: qaSessionDetail{}, errors: []int{http.StatusForbidden, http.StatusNotFound}, owner: perkMembers}, s.authenticate, s.qaSession)
	r.add(fiber.MethodPost, "/api/qa/:id/questions", op{summary: "Ask a question while the session is open (at most 3 per member and session)", tag: "qa", auth: true,
		in: askRequest{}, out: qaQuestionView{}, status: http.StatusCreated,
		errors: []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound, http.StatusConflict, http.StatusTooManyRequests}, owner: perkMembers},
		s.authenticate, s.rateLimit("qa", s.Config.MessageRateLimit, userKey), s.ask)
	r.add(fiber.MethodPost, "/api/qa/:id/questions/:qid/votes", op{summary: "Upvote a question, once, while the session is open", tag: "qa", auth: true,
		out: qaQuestionView{}, errors: []int{http.StatusForbidden, http.StatusNotFound, http.StatusConflict}, owner: perkMembers},
		s.authenticate, s.rateLimit("qa-vote", s.Config.MessageRateLimit, userKey), s.vote)
	r.add(fiber.MethodPut, "/api/qa/:id/questions/:qid/answer", op{summary: "Answer a question (the artist, while the session is open)", tag: "qa", auth: true,
		in: answerRequest{}, out: qaQuestionView{}, errors: []int{http.StatusBadRequest, http.StatusNotFound, http.StatusConflict}, owner: artistOwned},
		s.authenticate, s.answer)
	r.add(fiber.MethodPost, "/api/qa/:id/close", op{summary: "Close the session (the artist); each asker is told once", tag: "qa", auth: true,
		out: qaSessionView{}, errors: []int{http.StatusNotFound}, owner: artistOwned}, s.authenticate, s.closeQA)
}

func (s *Server) qaClient() workflows.QAClient { return workflows.QAClient{Conn: s.workflows()} }

func who(c *fiber.Ctx) perks.Who {
	p, _ := caller(c)
	return perks.Who{UserID: p.UserID, Role: p.Role}
}

func (s *Server) qaSessions(c *fiber.Ctx) error {
	a, err := s.findArtist(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	if err := s.qa.CanJoin(ctx, a.ID, who(c)); err != nil {
		return err
	}
	q, err := decodeQuery[idPage](c)
	if err != nil {
		return err
	}
	rows, next, err := s.Store.QASessions(ctx, a.ID, q.Cursor, q.Limit)
	if err != nil {
		return err
	}
	out := qaSessionList{Items: make([]qaSessionView, len(rows)), NextCursor: next}
	for i := range rows {
		out.Items[i] = viewQASession(&rows[i])
	}
	return c.JSON(out)
}

func (s *Server) openQA(c *fiber.Ctx) error {
	a, err := s.ownedArtist(c)
	if err != nil {
		return err
	}
	ctx, cancel := s.temporalContext(c.UserContext())
	defer cancel()
	id, err := s.qaClient().Open(ctx, a.ID, models.QAMonth(time.Now())) // the workflow's clock, not the api's
	if err != nil {
		return workflowError(err)
	}
	if id == "" {
		return models.Errorf(models.CodeConflict, "the club is closed")
	}
	sess, err := s.Store.QASession(c.UserContext(), uuid.MustParse(id))
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(viewQASession(sess))
}

func (s *Server) qaSession(c *fiber.Ctx) error {
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	sess, err := s.qa.Session(ctx, id, who(c))
	if err != nil {
		return err
	}
	rows, err := s.Store.QAQuestions(ctx, id)
	if err != nil {
		return err
	}
	out := qaSessionDetail{qaSessionView: viewQASession(sess), Questions: make([]qaQuestionView, len(rows))}
	for i := range rows {
		out.Questions[i] = viewQuestion(&rows[i])
	}
	return c.JSON(out)
}

func (s *Server) ask(c *fiber.Ctx) error {
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	if _, err := s.qa.Session(ctx, id, who(c)); err != nil { // access before the body: a stranger learns nothing more
		return err
	}
	req, err := decodeJSON[askRequest](c)
	if err != nil {
		return err
	}
	q, err := s.qa.Ask(ctx, id, who(c), req.Body)
	if err != nil {
		return err
	}
	v := viewQuestion(q)
	s.publishQA(ctx, id, eventQAQuestion.Of(v))
	return c.Status(http.StatusCreated).JSON(v)
}

func (s *Server) vote(c *fiber.Ctx) error {
	id, qid, err := qaIDs(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	q, err := s.qa.Vote(ctx, id, qid, who(c))
	if err != nil {
		return err
	}
	s.publishQA(ctx, id, eventQAVote.Of(qaVote{QuestionID: q.ID.String(), Votes: q.Votes}))
	return c.JSON(viewQuestion(q))
}

func (s *Server) answer(c *fiber.Ctx) error {
	id, qid, err := qaIDs(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	sess, err := s.qa.Hosted(ctx, id, who(c))
	if err != nil {
		return err
	}
	req, err := decodeJSON[answerRequest](c)
	if err != nil {
		return err
	}
	q, err := s.qa.Answer(ctx, sess, qid, req.Answer)
	if err != nil {
		return err
	}
	v := viewQuestion(q)
	s.publishQA(ctx, id, eventQAAnswer.Of(v))
	return c.JSON(v)
}

func (s *Server) closeQA(c *fiber.Ctx) error {
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	sess, err := s.qa.Hosted(ctx, id, who(c))
	if err != nil {
		return err
	}
	sess, closed, err := s.qa.Close(ctx, sess)
	if err != nil {
		return err
	}
	v := viewQASession(sess)
	if closed {
		s.publishQA(ctx, id, eventQAClosed.Of(v))
	}
	return c.JSON(v)
}

// qaIDs reads a question route's session and question ids.
func qaIDs(c *fiber.Ctx) (session, question uuid.UUID, err error) {
	if session, err = parseID(c, "id"); err != nil {
		return
	}
	question, err = parseID(c, "qid")
	return
}

func viewQASession(s *models.QASession) qaSessionView {
	return qaSessionView{ID: s.ID.String(), ArtistID: s.ArtistID.String(), Month: s.Month, Status: string(s.Status),
		OpenedAt: s.OpenedAt.UTC(), ClosedAt: models.UTC(s.ClosedAt)}
}

func viewQuestion(q *models.QAQuestion) qaQuestionView {
	return qaQuestionView{ID: q.ID.String(), SessionID: q.SessionID.String(), AuthorID: q.AuthorID.String(), Body: q.Body,
		Votes: q.Votes, Answer: q.Answer, AnsweredAt: models.UTC(q.AnsweredAt), CreatedAt: q.CreatedAt.UTC()}
}

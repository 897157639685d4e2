package models

import (
	"time"

	"github.com/google/uuid"
)

// QAStatus is where a Q&A session is: members ask and vote while it is open.
type QAStatus string

// Q&A statuses.
const (
	QAOpen   QAStatus = "open"
	QAClosed QAStatus = "closed"
)

// QASession is one month's Q&A of an artist's club.
type QASession struct {
	ID       uuid.UUID `gorm:"primaryKey"`
	ArtistID uuid.UUID
	Month    string // "2026-12", UTC: one session per artist and month
	Status   QAStatus
	OpenedAt time.Time
	ClosedAt *time.Time
}

// TableName is the table of sessions.
func (QASession) TableName() string { return "qa_sessions" }

// QAMonth is the month key of a session opened at t.
func QAMonth(t time.Time) string { return t.UTC().Format("2006-01") }

// QAQuestion is a member's question in a session, with its answer.
type QAQuestion struct {
	ID         uuid.UUID `gorm:"primaryKey"`
	SessionID  uuid.UUID
	AuthorID   uuid.UUID
	Body       string
	Votes      int
	Answer     *string
	AnsweredAt *time.Time
	NotifiedAt *time.Time // the asker was told of the close
	CreatedAt  time.Time
}

// TableName is the table of questions.
func (QAQuestion) TableName() string { return "qa_questions" }

// QAVote is one member's upvote of a question.
type QAVote struct {
	QuestionID uuid.UUID `gorm:"primaryKey"`
	UserID     uuid.UUID `gorm:"primaryKey"`
	CreatedAt  time.Time
}

// TableName is the table of votes.
func (QAVote) TableName() string { return "qa_votes" }

// BackstagePost is an artist's post to the backstage feed.
type BackstagePost struct {
	ID        uuid.UUID `gorm:"primaryKey"`
	ArtistID  uuid.UUID
	Body      string
	MediaURL  *string
	CreatedAt time.Time
}

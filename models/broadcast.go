package models

import "time"

// Broadcast is one notification to an audience.
type Broadcast struct {
	ID        string
	ArtistID  string // audience: the artist's followers
	Category  string
	GroupKey  string
	Title     string
	Body      string
	TTL       time.Duration
	CreatedAt time.Time
}

// BroadcastProgress is how far a broadcast got.
type BroadcastProgress struct {
	ArtistID   string `json:"artist_id"`
	Cursor     string `json:"cursor,omitempty"` // the workflow's own; the api blanks it
	Recipients int    `json:"recipients"`
	Pushed     int    `json:"pushed" description:"recipients online when it was sent"`
	Emailed    int    `json:"emailed" description:"recipients whose inbox will email it (after their digest window and quiet hours)"`
	Pages      int    `json:"pages"`
	Done       bool   `json:"done"`
}

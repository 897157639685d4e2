package models

import (
	"slices"
	"time"

	"github.com/google/uuid"
)

// PartyStatus is where a party is in its life.
type PartyStatus string

// Party statuses: scheduled → live → ended, or cancelled before it ends.
const (
	PartyScheduled PartyStatus = "scheduled"
	PartyLive      PartyStatus = "live"
	PartyEnded     PartyStatus = "ended"
	PartyCancelled PartyStatus = "cancelled"
)

// Open reports whether a party may still change (edits, RSVPs, co-hosts).
func (s PartyStatus) Open() bool { return s == PartyScheduled || s == PartyLive }

// TrackKind is where a party track plays from.
type TrackKind string

// Track kinds: the artist's own content, or a YouTube video.
const (
	TrackContent TrackKind = "track"
	TrackYouTube TrackKind = "youtube"
)

// PartyTrack is one entry of a playlist, with its duration as it plays.
type PartyTrack struct {
	Kind       TrackKind  `json:"kind"`
	ContentID  *uuid.UUID `json:"content_id,omitempty"`
	VideoID    string     `json:"video_id,omitempty"`
	Title      string     `json:"title"`
	DurationMs int64      `json:"duration_ms"`
}

// Party is a listening party of an artist. The playback fields are the
// PartyWorkflow's to write; a private party carries an invite code.
type Party struct {
	ID              uuid.UUID `gorm:"primaryKey"`
	ArtistID        uuid.UUID
	Title           string
	Description     string
	Playlist        []PartyTrack `gorm:"serializer:json"`
	ScheduledAt     time.Time
	Private         bool
	InviteCode      string
	MinTier         Tier
	Capacity        int
	Status          PartyStatus
	TrackIndex      int
	PositionMs      int64
	Playing         bool
	PlaybackVersion int64
	StartedAt       *time.Time
	EndedAt         *time.Time
	CancelledAt     *time.Time
	PeakListeners   int   // the stats: listeners and time written when it ends,
	TotalListeners  int   // chat messages and reactions counted as they come
	ListeningMs     int64 // (store.AddPartyCounts)
	ChatMessages    int64
	Reactions       int64
	CreatedAt       time.Time
	UpdatedAt       time.Time
	CoHosts         []uuid.UUID `gorm:"-"` // filled by the store's reads
}

// Resource is the party as models.CanAccess sees it.
func (p *Party) Resource() Resource {
	return Resource{Kind: ResourceParty, ArtistID: p.ArtistID, MinTier: p.MinTier}
}

// OpenTo reports whether v may see and join the party at now: its hosts
// always, anyone else as CanAccess says of its tier. Whoever it is not
// open to sees a teaser (the api's party view), never the whole party.
func (p *Party) OpenTo(v Viewer, now time.Time) bool {
	return p.Hosts(v.UserID) || CanAccess(v, p.Resource(), now)
}

// Hosts reports whether a user hosts the party: its artist or a co-host.
func (p *Party) Hosts(userID uuid.UUID) bool {
	return userID == p.ArtistID || slices.Contains(p.CoHosts, userID)
}

// PartyFilter narrows the party list.
type PartyFilter struct {
	ArtistID *uuid.UUID
	Public   *bool
	Statuses []PartyStatus
	Viewer   uuid.UUID // private parties are listed to their hosts only
}

// RSVPCount is a party's RSVPs as one user sees them.
type RSVPCount struct {
	Count int64
	Mine  bool // the user is among them
}

// PartyRun is what a PartyWorkflow runs on: ids, the start time and the
// playlist's durations, no personal data.
type PartyRun struct {
	PartyID     uuid.UUID
	ArtistID    uuid.UUID
	ScheduledAt time.Time
	DurationsMs []int64     // one per track, in order
	CoHosts     []uuid.UUID // at the start; the cohosts update keeps them current
	// HistoryLimit is the history length past which a run continues as new
	// (0: the workflow's default); tests lower it.
	HistoryLimit int `json:",omitempty"`
	// Resume is the state a run continued as new carries on; nil at the start.
	Resume *PartyResume `json:",omitempty"`
}

// PartyResume is a party's state handed from a run to the next one it
// continues as: its clock, who listens, its stats so far and what it has
// announced. Times are absolute, so the new run's timers are the old ones.
type PartyResume struct {
	Status      PartyStatus
	TrackIndex  int
	PositionMs  int64
	Anchor      time.Time
	Playing     bool
	Version     int64
	Finished    time.Time
	Deadline    time.Time
	Recorded    PartyRecord
	Listeners   []PartyAttendee // listening now
	Seen        []uuid.UUID     // every listener so far
	Peak        int
	ListeningMs int64           // of the listeners who left
	Announced   map[string]bool // the reminders and live announcement made or skipped
}

// PartyAttendee is someone in a party's room, as its workflow counts them, since when.
type PartyAttendee struct {
	UserID uuid.UUID
	Since  time.Time
}

// PartyStats is what a party's workflow writes when it ends.
type PartyStats struct {
	PartyID        uuid.UUID
	PeakListeners  int
	TotalListeners int
	ListeningMs    int64
	EndedAt        time.Time
}

// PartyPlayback is where a party's playlist is at ServerMs (ms since the
// epoch, workflow time): a client plays TrackIndex from PositionMs plus
// Rate times the time since. Version grows with each change.
type PartyPlayback struct {
	TrackIndex int     `json:"track_index"`
	PositionMs int64   `json:"position_ms"`
	Playing    bool    `json:"playing"`
	Rate       float64 `json:"rate"` // 1 while playing, 0 paused
	Version    int64   `json:"version"`
	ServerMs   int64   `json:"server_ms"`
}

// PartyRecord is what the workflow writes to a party's row at each change.
type PartyRecord struct {
	PartyID  uuid.UUID
	Status   PartyStatus
	Playback PartyPlayback
	At       time.Time
}

// PartyRoster is a batch of arrivals and departures in a party's room,
// sent to its PartyWorkflow (one signal a second per api instance, not
// one per listener). A user is counted once however many sockets they
// have; At is when the batch was cut.
type PartyRoster struct {
	Joined []uuid.UUID `json:"joined,omitempty"`
	Left   []uuid.UUID `json:"left,omitempty"`
	At     time.Time   `json:"at"`
}
